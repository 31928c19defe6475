package io.sluice.spill;
