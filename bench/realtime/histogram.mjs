// Latency histogram in microseconds, mergeable across processes: 1 µs buckets below 1 ms, then
// buckets 0.5 % wide (so a percentile is within 0.5 % of the true value) up to ~100 s.
const LINEAR = 1000;
const GROWTH = Math.log(1.005);
const SIZE = LINEAR + Math.ceil(Math.log(100_000_000 / LINEAR) / GROWTH) + 1;

export class Histogram {
  counts = new Uint32Array(SIZE);
  total = 0;

  record(us) {
    const v = us > 0 ? us : 0;
    const i = v < LINEAR ? Math.floor(v) : Math.min(SIZE - 1, LINEAR + Math.floor(Math.log(v / LINEAR) / GROWTH));
    this.counts[i]++;
    this.total++;
  }

  /** Non-empty buckets only, for IPC. */
  toJSON() {
    const pairs = [];
    for (let i = 0; i < SIZE; i++) if (this.counts[i] !== 0) pairs.push(i, this.counts[i]);
    return pairs;
  }

  merge(pairs) {
    for (let k = 0; k < pairs.length; k += 2) {
      this.counts[pairs[k]] += pairs[k + 1];
      this.total += pairs[k + 1];
    }
    return this;
  }

  /**
   * The q-quantile in milliseconds, out of `expected` samples: the ones never recorded (a delivery
   * that did not arrive) count as infinitely late, so a lossy run cannot report a good tail.
   */
  quantileMs(q, expected = this.total) {
    const rank = Math.max(1, Math.ceil(q * expected));
    if (rank > this.total) return Infinity;
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return (i < LINEAR ? i + 0.5 : LINEAR * Math.exp((i - LINEAR + 0.5) * GROWTH)) / 1000;
    }
    return Infinity;
  }
}
