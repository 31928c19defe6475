// The relay's live page: polls /lanes once a second (the relay samples at most that often, whoever asks) and draws
// each stream as a row: its producers left, the stream with small charts in the middle, its lanes right. Plain
// script, no libraries; every text from the relay goes in through textContent, never as markup.
'use strict';

(function () {
  const POLL_MS = 1000;
  const HISTORY_MS = 120 * 1000;
  const LIMIT = 50;
  const history = new Map(); // stream name -> [{t, in, out, lag}]
  const query = new URLSearchParams(window.location.search);
  let sort = query.get('sort') || 'lag';
  let offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
  let lastSampleAt = 0;
  let total = 0;

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) {
      e.className = className;
    }
    if (text !== undefined && text !== null) {
      e.textContent = text;
    }
    return e;
  }

  function count(n) {
    if (n === null || n === undefined || Number.isNaN(n)) {
      return '-';
    }
    const a = Math.abs(n);
    if (a < 999.5) {
      return String(Math.round(n));
    }
    const units = ['k', 'M', 'G', 'T'];
    let v = n / 1000;
    let i = 0;
    while (Math.abs(v) >= 999.5 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return significant(v) + units[i];
  }

  function bytes(n) {
    if (n === null || n === undefined) {
      return '-';
    }
    if (Math.abs(n) < 1024) {
      return Math.round(n) + ' B';
    }
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n / 1024;
    let i = 0;
    while (Math.abs(v) >= 1023.5 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return significant(v) + ' ' + units[i];
  }

  function significant(v) {
    const a = Math.abs(v);
    return a >= 99.95 ? v.toFixed(0) : a >= 9.995 ? v.toFixed(1) : v.toFixed(2);
  }

  function seconds(s) {
    if (s === null || s === undefined) {
      return '∞';
    }
    if (s < 1) {
      return Math.round(s * 1000) + ' ms';
    }
    if (s < 60) {
      return s.toFixed(1) + ' s';
    }
    if (s < 3600) {
      return Math.floor(s / 60) + 'm' + String(Math.floor(s % 60)).padStart(2, '0') + 's';
    }
    return Math.floor(s / 3600) + 'h' + String(Math.floor(s % 3600 / 60)).padStart(2, '0') + 'm';
  }

  function percent(share) {
    return share === null || share === undefined ? '-' : Math.round(share * 100) + '%';
  }

  function rate(n) {
    return n === null || n === undefined ? '-' : count(n) + '/s';
  }

  function setStatus(status, text) {
    const e = document.getElementById('status');
    e.dataset.status = status;
    e.textContent = text;
  }

  function remember(stream, at) {
    let points = history.get(stream.name);
    if (!points) {
      points = [];
      history.set(stream.name, points);
    }
    points.push({t: at, in: stream.inPerSecond, out: stream.outPerSecond, lag: stream.lagSeconds});
    while (points.length > 0 && points[0].t < at - HISTORY_MS) {
      points.shift();
    }
  }

  // Lines over the last two minutes on a canvas, y from zero to a little above the largest value.
  function chart(canvas, points, lines, format, now) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 300;
    const height = canvas.clientHeight || 80;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const top = 12;
    const bottom = height - 2;
    let max = 0;
    for (const p of points) {
      for (const line of lines) {
        const v = p[line.key];
        if (v !== null && v !== undefined && v > max) {
          max = v;
        }
      }
    }
    const ceiling = max > 0 ? max * 1.1 : 1;
    g.strokeStyle = '#d8dde6';
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(0, bottom + 0.5);
    g.lineTo(width, bottom + 0.5);
    g.moveTo(0, top + 0.5);
    g.lineTo(width, top + 0.5);
    g.stroke();
    const x = (t) => width - (now - t) / HISTORY_MS * width;
    const y = (v) => bottom - v / ceiling * (bottom - top);
    for (const line of lines) {
      g.strokeStyle = line.color;
      g.lineWidth = 1.5;
      g.beginPath();
      let drawing = false;
      for (const p of points) {
        const v = p[line.key];
        if (v === null || v === undefined) {
          drawing = false;
          continue;
        }
        if (drawing) {
          g.lineTo(x(p.t), y(v));
        } else {
          g.moveTo(x(p.t), y(v));
          drawing = true;
        }
      }
      g.stroke();
    }
    g.font = '10px system-ui, sans-serif';
    g.fillStyle = '#667085';
    g.fillText(format(ceiling), 2, 10);
    let at = width;
    for (let i = lines.length - 1; i >= 0; i--) {
      const label = lines[i].label;
      at -= g.measureText(label).width + 6;
      g.fillStyle = lines[i].color;
      g.fillText(label, at, 10);
    }
  }

  function producerCard(producer) {
    const holders = producer.heldBy.filter((h) => h.now || (h.share !== null && h.share > 0));
    const held = producer.paused || holders.length > 0;
    const card = el('div', held ? 'producer held' : 'producer');
    card.dataset.address = producer.address;
    card.dataset.heldBy = holders.map((h) => h.subscriber).join(' ');
    card.appendChild(el('div', 'who', producer.address + ' · source ' + producer.sourceId));
    const what = el('div', 'what', 'throttled ' + percent(producer.throttledShare) + ' (' +
      seconds(producer.throttledSeconds) + ' in all)');
    card.appendChild(what);
    for (const h of holders) {
      card.appendChild(el('div', 'holder', (h.now ? 'held by ' : 'was held by ') + h.subscriber +
        (h.subscription ? ' [' + h.subscription + ']' : '') + ' ' + percent(h.share)));
    }
    return card;
  }

  function bar(name, label, tier) {
    const row = el('div', 'bar');
    row.appendChild(el('label', null, label));
    const track = el('div', 'track');
    const fill = el('div', 'fill ' + name);
    const share = tier.limitBytes > 0 ? Math.min(1, tier.bytes / tier.limitBytes) : 0;
    fill.style.width = (share * 100).toFixed(1) + '%';
    if (share >= 0.95) {
      fill.classList.add('full');
    }
    track.appendChild(fill);
    row.appendChild(track);
    const messages = tier.messages === undefined || tier.messages === null ? '' : ' · ' + count(tier.messages) + ' msgs';
    row.appendChild(el('span', null, bytes(tier.bytes) + ' of ' + bytes(tier.limitBytes) + messages));
    row.dataset.tier = name;
    row.dataset.fill = share.toFixed(3);
    return row;
  }

  function laneCard(lane) {
    const card = el('div', 'lane state-' + lane.state);
    card.dataset.subscriber = lane.subscriber;
    card.dataset.state = lane.state;
    const head = el('div', 'who');
    head.appendChild(el('span', 'badge state-' + lane.state, lane.state));
    head.appendChild(document.createTextNode(' ' + lane.subscriber +
      (lane.subscription ? ' [' + lane.subscription + ']' : '') + ' · ' + lane.strategy + ' · ' + lane.tier));
    card.appendChild(head);
    const stats = el('div', 'stats');
    stats.appendChild(document.createTextNode('lag '));
    stats.appendChild(el('b', null, lane.lagSeconds === null ? 'unknown'
      : (lane.lagExact ? '' : '≤ ') + seconds(lane.lagSeconds)));
    stats.appendChild(document.createTextNode(' · waiting ' + count(lane.waitingMessages) + ' · drain ' +
      rate(lane.outPerSecond) + ' · in ' + rate(lane.inPerSecond) + ' · catch-up ' +
      (lane.waitingMessages === 0 || lane.state === 'flowing' ? '-'
        : lane.catchUpSeconds === null ? 'not gaining' : seconds(lane.catchUpSeconds))));
    card.appendChild(stats);
    card.appendChild(bar('handoff', 'hand-off', lane.tiers.handoff));
    if (lane.tiers.memory.limitBytes > 0) {
      card.appendChild(bar('memory', 'memory', lane.tiers.memory));
    }
    if (lane.tiers.disk.limitBytes > 0) {
      card.appendChild(bar('disk', 'disk', lane.tiers.disk));
    }
    card.appendChild(bar('outbound', 'socket', lane.tiers.outbound));
    const flow = el('div', 'stats');
    const dropped = el('span', lane.droppedPerSecond > 0 ? 'alarm' : null, 'dropped ' + rate(lane.droppedPerSecond) +
      ' (' + count(lane.dropped) + ')');
    flow.appendChild(dropped);
    flow.appendChild(document.createTextNode(' · spilled ' + rate(lane.spilledPerSecond) + ' (' + count(lane.spilled) +
      ') · holding ' + lane.holdingProducers + ' producer' + (lane.holdingProducers === 1 ? '' : 's') + ' (' +
      percent(lane.heldShare) + ' of their time)'));
    card.appendChild(flow);
    return card;
  }

  function streamRow(stream, now) {
    const row = el('section', 'stream');
    row.dataset.stream = stream.name;

    const producers = el('div', 'producers');
    producers.appendChild(el('h3', null, 'producers (' + stream.publishers + ')'));
    for (const producer of stream.producers) {
      producers.appendChild(producerCard(producer));
    }
    row.appendChild(producers);

    const center = el('div', 'center');
    center.appendChild(el('h2', null, stream.name));
    const meta = el('div', 'meta');
    meta.appendChild(document.createTextNode(stream.strategy + ' · in '));
    meta.appendChild(el('b', null, rate(stream.inPerSecond)));
    meta.appendChild(document.createTextNode(' · out '));
    meta.appendChild(el('b', null, rate(stream.outPerSecond)));
    meta.appendChild(document.createTextNode(' · throttled ' + percent(stream.throttledShare) + ' · lag '));
    meta.appendChild(el('b', null, seconds(stream.lagSeconds)));
    meta.appendChild(document.createTextNode(' · waiting ' + count(stream.waitingMessages)));
    center.appendChild(meta);
    const rates = el('canvas', 'chart rates');
    const lag = el('canvas', 'chart lag');
    center.appendChild(rates);
    center.appendChild(lag);
    row.appendChild(center);

    const lanes = el('div', 'lanes');
    lanes.appendChild(el('h3', null, 'lanes (' + stream.subscribers + ')'));
    for (const lane of stream.lanes) {
      lanes.appendChild(laneCard(lane));
    }
    row.appendChild(lanes);
    return {row: row, draw: () => {
      const points = history.get(stream.name) || [];
      chart(rates, points, [{key: 'in', label: 'in/s', color: '#2f6fd6'}, {key: 'out', label: 'out/s', color: '#2e9d5b'}],
        (v) => count(v) + '/s', now);
      chart(lag, points, [{key: 'lag', label: 'lag', color: '#d88a00'}], seconds, now);
    }};
  }

  function render(data) {
    document.getElementById('relay').textContent = data.relay.address + ' (' + data.relay.version + ')';
    const at = data.sampledAtMillis;
    if (at !== lastSampleAt) {
      for (const stream of data.streams) {
        remember(stream, at);
      }
      lastSampleAt = at;
    }
    total = data.total;
    let producers = 0;
    let lanes = 0;
    for (const stream of data.streams) {
      producers += stream.producers.length;
      lanes += stream.lanes.length;
    }
    document.getElementById('summary').textContent = 'up ' + seconds(data.relay.uptimeSeconds) + ' · ' + total +
      ' streams · on this page ' + producers + ' producers, ' + lanes + ' lanes · sampled ' +
      new Date(at).toLocaleTimeString();
    document.getElementById('page').textContent = total === 0 ? '' :
      (data.offset + 1) + '–' + (data.offset + data.streams.length) + ' of ' + total;
    const main = document.getElementById('streams');
    const rows = data.streams.map((stream) => streamRow(stream, at));
    main.replaceChildren(...rows.map((r) => r.row));
    if (rows.length === 0) {
      main.appendChild(el('div', 'empty', 'no streams yet: nothing has published or subscribed since the relay started'));
    }
    for (const r of rows) {
      r.draw();
    }
  }

  async function poll() {
    try {
      const response = await fetch('/lanes?sort=' + encodeURIComponent(sort) + '&offset=' + offset + '&limit=' + LIMIT,
        {cache: 'no-store'});
      if (!response.ok) {
        throw new Error('/lanes answered HTTP ' + response.status);
      }
      render(await response.json());
      setStatus('live', 'live, every ' + POLL_MS / 1000 + ' s');
    } catch (e) {
      setStatus('error', 'not updating: ' + e.message);
    } finally {
      window.setTimeout(poll, POLL_MS);
    }
  }

  function start() {
    const select = document.getElementById('sort');
    select.value = sort;
    select.addEventListener('change', () => {
      sort = select.value;
      offset = 0;
    });
    document.getElementById('previous').addEventListener('click', () => {
      offset = Math.max(0, offset - LIMIT);
    });
    document.getElementById('next').addEventListener('click', () => {
      if (offset + LIMIT < total) {
        offset += LIMIT;
      }
    });
    poll();
  }

  start();
})();
