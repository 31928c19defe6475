package io.sluice.bench;
