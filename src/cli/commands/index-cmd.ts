import type { Command } from 'commander';
import { FrugalError } from '../../core/errors.js';
import { startProgress } from '../../core/progress.js';
import { clusteredVectors, groundTruth, holdOutQueries, recallAtK } from '../../search/dataset.js';
import { readFvecs, writeFvecs } from '../../search/fvecs.js';
import { type IndexKind, VectorIndex } from '../../search/graph-index.js';
import { parseMetric } from '../../search/metric.js';
import { searchNativeStatus } from '../../search/native.js';
import { loadIndex, saveIndex } from '../../search/persist.js';
import { EMBED_SOURCES, type EmbedSource, embedTexts, sourceTexts } from '../../train/embed.js';

/**
 * `frugal index build|search|bench|embed`: build a graph index from an .fvecs file (or synthetic
 * clustered data), query it, measure recall@10 / QPS / latency the ann-benchmarks way, and turn
 * e-mails or Python functions into .fvecs with a trained checkpoint (real data for the bench).
 */
export function register(program: Command): void {
  const index = program
    .command('index')
    .description('Build, query and benchmark graph vector indexes (Speed-ANN search)');

  index
    .command('build')
    .description('Build an index from an .fvecs file or synthetic clustered vectors and save it')
    .requiredOption('--out <file>', 'where to write the index (atomic write, checksummed)')
    .option('--input <file>', 'vectors in .fvecs format (labels are row numbers)')
    .option('--synthetic <n>x<dim>', 'seeded clustered Gaussian vectors instead of --input, e.g. 100000x128')
    .option('--metric <m>', 'l2 | ip | cosine', 'l2')
    .option('--kind <k>', 'hnsw (levels above the graph) | vamana (medoid entry)', 'hnsw')
    .option('--degree <R>', 'maximum out-degree', '32')
    .option('--build-list <L>', 'candidate list size while building', '100')
    .option('--alpha <a>', 'pruning slack on squared distances (>= 1)', '1')
    .option('--int8', 'store int8-quantized vectors (4x smaller)')
    .option('--threads <n>', 'build threads (default: all)')
    .option('--json', 'print a JSON summary instead of a table')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { vectors, dim } = loadVectors(
        o.input as string | undefined,
        o.synthetic as string | undefined,
        0,
      );
      const idx = new VectorIndex({
        dim,
        metric: parseMetric(String(o.metric)),
        kind: String(o.kind) as IndexKind,
        degree: int(o.degree, 'degree'),
        buildListSize: int(o.buildList, 'build-list'),
        alpha: Number(o.alpha),
        quantization: o.int8 ? 'int8' : 'none',
        ...(o.threads ? { threads: int(o.threads, 'threads') } : {}),
      });
      const n = vectors.length / dim;
      const bar = startProgress('index build', n);
      const t0 = performance.now();
      idx.add(vectors, { onProgress: (done) => bar.update(done) });
      bar.stop();
      const seconds = (performance.now() - t0) / 1000;
      await saveIndex(idx, String(o.out));
      const summary = {
        file: o.out,
        vectors: n,
        dim,
        metric: idx.metric,
        kind: idx.kind,
        buildSeconds: Number(seconds.toFixed(3)),
        engine: searchNativeStatus(),
      };
      if (o.json) console.log(JSON.stringify(summary));
      else printTable([summary]);
    });

  index
    .command('search')
    .description('Query a saved index with .fvecs queries (or synthetic ones) and print the nearest labels')
    .requiredOption('--index <file>', 'index written by `frugal index build`')
    .option('--queries <file>', 'queries in .fvecs format')
    .option('--synthetic <n>', 'n seeded queries from the synthetic distribution', '5')
    .option('--k <k>', 'neighbours per query', '10')
    .option('--list <L>', 'candidate list size (recall/speed knob)', '64')
    .option('--walkers <w>', 'Speed-ANN walkers (threads) per query; 1 = best-first', '1')
    .option('--json', 'print one JSON object per query')
    .action((o: Record<string, string | boolean | undefined>) => {
      const idx = loadIndex(String(o.index));
      const q = o.queries
        ? readFvecs(String(o.queries))
        : {
            dim: idx.dim,
            vectors: clusteredVectors({ n: int(o.synthetic, 'synthetic'), dim: idx.dim, seed: 1 }),
          };
      if (q.dim !== idx.dim)
        throw new FrugalError('E_SHAPE', `queries have ${q.dim} dimensions, the index ${idx.dim}`, {
          field: 'queries',
        });
      const k = int(o.k, 'k');
      const t0 = performance.now();
      const r = idx.search(q.vectors, {
        k,
        listSize: int(o.list, 'list'),
        walkers: int(o.walkers, 'walkers'),
      });
      const ms = performance.now() - t0;
      const rows = [];
      for (let i = 0; i < q.vectors.length / q.dim; i++) {
        const labels = Array.from(r.labels.subarray(i * k, (i + 1) * k) as ArrayLike<number | bigint>, (l) =>
          String(l),
        );
        const dists = Array.from(r.distances.subarray(i * k, (i + 1) * k), (d) => Number(d.toPrecision(5)));
        rows.push({ query: i, labels, distances: dists });
      }
      if (o.json) for (const row of rows) console.log(JSON.stringify(row));
      else {
        printTable(
          rows.map((x) => ({ query: x.query, labels: x.labels.join(' '), nearest: x.distances[0] })),
        );
        console.log(`${rows.length} queries in ${ms.toFixed(2)} ms (${searchNativeStatus()})`);
      }
    });

  index
    .command('embed')
    .description(
      'Embed SpamAssassin e-mails or Python stdlib functions with a trained checkpoint into .fvecs',
    )
    .requiredOption('--source <s>', `what to embed: ${EMBED_SOURCES.join(' | ')}`)
    .requiredOption('--checkpoint <dir>', 'a `frugal train` checkpoint: classify (BERT) or lm (Llama)')
    .requiredOption('--out <file>', 'where to write the vectors (.fvecs, L2-normalised rows)')
    .option('--limit <n>', 'embed at most this many texts (default: all)')
    .option('--seq-len <n>', "tokens per text (default: the checkpoint run's sequence length)")
    .option('--batch <n>', 'texts per forward pass', '32')
    .option('--json', 'print a JSON summary instead of a table')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const source = String(o.source) as EmbedSource;
      if (!EMBED_SOURCES.includes(source))
        throw new FrugalError('E_ARG', `--source must be ${EMBED_SOURCES.join(' or ')}, got "${source}"`, {
          field: 'source',
        });
      const texts = sourceTexts(source, o.limit === undefined ? undefined : int(o.limit, 'limit'));
      const bar = startProgress(`embed ${source}`, texts.length);
      const t0 = performance.now();
      const e = await embedTexts(String(o.checkpoint), texts, {
        batch: int(o.batch, 'batch'),
        ...(o.seqLen === undefined ? {} : { seqLen: int(o.seqLen, 'seq-len') }),
        onProgress: (done) => bar.update(done),
      });
      bar.stop();
      const seconds = (performance.now() - t0) / 1000;
      await writeFvecs(String(o.out), e.vectors, e.dim);
      const summary = {
        file: o.out,
        source,
        vectors: texts.length,
        dim: e.dim,
        seconds: Number(seconds.toFixed(1)),
      };
      if (o.json) console.log(JSON.stringify(summary));
      else printTable([summary]);
    });

  index
    .command('bench')
    .description(
      'Recall@10, QPS and latency percentiles on synthetic clustered data or an .fvecs file (peers: npm run bench -- ann)',
    )
    .option('--data <file>', 'vectors in .fvecs format instead of synthetic data')
    .option('--query-data <file>', 'queries in .fvecs format (default: --queries rows held out of --data)')
    .option('--n <n>', 'synthetic vectors', '20000')
    .option('--dim <d>', 'synthetic dimensions', '128')
    .option('--queries <n>', 'queries', '500')
    .option('--lists <L,...>', 'candidate list sizes to sweep', '16,32,64,128')
    .option('--walkers <w,...>', 'walkers per query to sweep', '1,2')
    .option('--build-list <L>', 'candidate list size while building', '64')
    .option('--alpha <a>', 'pruning slack on squared distances (>= 1)', '1')
    .option('--int8', 'int8-quantized vectors')
    .option('--epsilon <e>', 'a neighbour counts when within this distance of the true 10th', '1e-3')
    .option('--json', 'print JSON rows instead of a table')
    .action((o: Record<string, string | boolean | undefined>) => {
      const epsilon = Number(o.epsilon);
      if (!(epsilon >= 0))
        throw new FrugalError('E_ARG', `--epsilon must be a distance >= 0, got "${String(o.epsilon)}"`, {
          field: 'epsilon',
        });
      const { data, queries, dim, name } = benchData(o);
      const n = data.length / dim;
      const nq = queries.length / dim;
      const truth = groundTruth(data, queries, dim, 10, 'l2', 2);
      const idx = new VectorIndex({
        dim,
        quantization: o.int8 ? 'int8' : 'none',
        buildListSize: int(o.buildList, 'build-list'),
        alpha: Number(o.alpha),
      });
      const bar = startProgress('index build', n);
      const t0 = performance.now();
      idx.add(data, { onProgress: (done) => bar.update(done) });
      bar.stop();
      const build = (performance.now() - t0) / 1000;
      const rows = [];
      for (const walkers of list(o.walkers, 'walkers')) {
        for (const L of list(o.lists, 'lists')) {
          const lat: number[] = [];
          let computed = 0;
          const dists = new Float32Array(nq * 10);
          const start = performance.now();
          for (let q = 0; q < nq; q++) {
            const t = performance.now();
            const r = idx.search(queries.subarray(q * dim, (q + 1) * dim), {
              k: 10,
              listSize: Math.max(L, 10),
              walkers,
            });
            lat.push(performance.now() - t);
            dists.set(r.distances, q * 10);
            computed += r.stats.distances;
          }
          const total = (performance.now() - start) / 1000;
          lat.sort((a, b) => a - b);
          const pct = (p: number) => Number(lat[Math.min(nq - 1, Math.ceil((p / 100) * nq) - 1)]!.toFixed(4));
          rows.push({
            L,
            walkers,
            'recall@10': Number(recallAtK(dists, 10, truth, 10, epsilon).toFixed(4)),
            qps: Math.round(nq / total),
            p50_ms: pct(50),
            p99_ms: pct(99),
            distances_per_query: Math.round(computed / nq),
          });
        }
      }
      if (o.json)
        for (const r of rows) console.log(JSON.stringify({ data: name, n, dim, build_s: build, ...r }));
      else {
        console.log(
          `${name} ${n} x ${dim}, ${nq} queries; build ${build.toFixed(2)} s; ${searchNativeStatus()}`,
        );
        printTable(rows);
      }
    });
}

function int(v: unknown, field: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1)
    throw new FrugalError('E_ARG', `--${field} must be a positive integer, got "${String(v)}"`, { field });
  return x;
}

function list(v: unknown, field: string): number[] {
  return String(v)
    .split(',')
    .map((s) => int(s.trim(), field));
}

/** The bench's data and queries: an .fvecs file (queries from a second file or held out) or synthetic. */
function benchData(o: Record<string, string | boolean | undefined>) {
  const nq = int(o.queries, 'queries');
  if (o.data === undefined) {
    const n = int(o.n, 'n');
    const dim = int(o.dim, 'dim');
    return {
      name: 'clustered',
      dim,
      data: clusteredVectors({ n, dim, seed: 0 }),
      queries: clusteredVectors({ n: nq, dim, seed: 1 }),
    };
  }
  const file = readFvecs(String(o.data));
  if (o.queryData === undefined)
    return { name: String(o.data), dim: file.dim, ...holdOutQueries(file.vectors, file.dim, nq) };
  const q = readFvecs(String(o.queryData));
  if (q.dim !== file.dim)
    throw new FrugalError('E_SHAPE', `queries have ${q.dim} dimensions, the data ${file.dim}`, {
      field: 'query-data',
      file: String(o.queryData),
    });
  return {
    name: String(o.data),
    dim: file.dim,
    data: file.vectors,
    queries: q.vectors.subarray(0, nq * q.dim),
  };
}

function loadVectors(input: string | undefined, synthetic: string | undefined, seed: number) {
  if (input) return readFvecs(input);
  const m = /^(\d+)x(\d+)$/.exec(synthetic ?? '');
  if (!m)
    throw new FrugalError('E_ARG', 'give --input <file.fvecs> or --synthetic <n>x<dim>', {
      field: 'input',
      hint: 'e.g. --synthetic 100000x128',
    });
  const dim = int(m[2], 'synthetic');
  return { dim, vectors: clusteredVectors({ n: int(m[1], 'synthetic'), dim, seed }) };
}

function printTable(rows: readonly Record<string, unknown>[]): void {
  if (rows.length === 0) return;
  const head = Object.keys(rows[0]!);
  const body = rows.map((r) => head.map((h) => String(r[h])));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(fmt(b));
}
