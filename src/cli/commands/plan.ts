/** `frugal plan`: Mélange GPU allocation: solve, profile, sweep, and an emulated GPU server. */
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { FrugalError } from '../../core/errors.js';
import { startEmulator } from '../../plan/emulator-server.js';
import { formatPlan, formatSimReport, formatTable, stringifyData } from '../../plan/format.js';
import { ILP_FORMULATIONS, type IlpFormulation } from '../../plan/ilp.js';
import {
  describeSlo,
  loadCatalog,
  loadProfile,
  loadWorkload,
  parseProfile,
  readDataFile,
} from '../../plan/load.js';
import { profileFromModel } from '../../plan/model-profile.js';
import { capacityMatrix, DEFAULT_HEADROOM, planAllocation } from '../../plan/planner.js';
import { profileServer } from '../../plan/profiler.js';
import type { Profile } from '../../plan/schema.js';
import { fleetFromPlan, serviceModelFor, simulateFleet } from '../../plan/simulate.js';
import { type SweepRow, sweepRates, sweepTpot, writeSweepPlot } from '../../plan/sweep.js';

const num = (name: string) => (v: string) => {
  const x = Number(v);
  if (!Number.isFinite(x)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
  return x;
};
const list = (name: string) => (v: string) => v.split(',').map((s) => num(name)(s.trim()));

interface SolveOpts {
  workload: string;
  catalog: string;
  profile: string;
  sliceFactor: number;
  headroom: number;
  formulation: IlpFormulation;
  timeLimit: number;
  simulate?: boolean;
  requests: number;
  seed: number;
  slices?: boolean;
  out?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const plan = program
    .command('plan')
    .description('Mélange: the cheapest mix of GPU types that serves an LLM workload within its SLO');

  plan
    .command('solve', { isDefault: true })
    .description('Solve the allocation ILP (HiGHS) and compare it with the best single GPU type')
    .requiredOption('-w, --workload <file>', 'workload: rate, SLO, bucket distribution (JSON/YAML)')
    .requiredOption('-c, --catalog <file>', 'GPU types and hourly prices (JSON/YAML)')
    .requiredOption('-p, --profile <file>', 'highest sustainable rate per GPU type and bucket (JSON/YAML)')
    .option('--slice-factor <n>', 'slices per bucket', num('--slice-factor'), 8)
    .option(
      '--headroom <f>',
      'fraction of each profiled rate held back (0 = the paper)',
      num('--headroom'),
      DEFAULT_HEADROOM,
    )
    .addOption(new Option('--formulation <f>', 'ILP form').choices(ILP_FORMULATIONS).default('grouped'))
    .option(
      '--time-limit <s>',
      'solver time limit; past it the best plan found is returned, marked not optimal',
      num('--time-limit'),
      60,
    )
    .option('--simulate', 'check the plan in the discrete-event simulator (needs catalog perf specs)')
    .option('--requests <n>', 'simulated requests', num('--requests'), 6000)
    .option('--seed <n>', 'simulation seed', num('--seed'), 1)
    .option('--slices', 'print every slice and its GPU type')
    .option('--out <file>', 'also write the plan (and simulation) as JSON')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nExample:\n  frugal plan solve -w examples/plan/chat.yaml -c examples/plan/catalog.yaml -p examples/plan/profile.yaml --simulate',
    )
    .action(async (o: SolveOpts) => {
      const workload = loadWorkload(o.workload);
      const catalog = loadCatalog(o.catalog);
      const profile = loadProfile(o.profile);
      const result = await planAllocation(workload, catalog, profile, {
        sliceFactor: o.sliceFactor,
        headroom: o.headroom,
        formulation: o.formulation,
        timeLimitS: o.timeLimit,
      });
      const sim = o.simulate
        ? simulateFleet(workload, fleetFromPlan(catalog, result, capacityMatrix(catalog, profile)), {
            requests: o.requests,
            seed: o.seed,
          })
        : undefined;
      const doc = { plan: result, ...(sim ? { simulation: sim } : {}) };
      if (o.out) await writeFileAtomic(o.out, `${JSON.stringify(doc, null, 2)}\n`);
      if (o.json) return console.log(JSON.stringify(doc));
      console.log(formatPlan(result, { slices: o.slices ?? false }));
      if (sim) console.log(`\n${formatSimReport(sim, describeSlo(workload.slo))}`);
    });

  plan
    .command('profile')
    .description(
      'Measure a profile: from a live OpenAI-compatible server (--url) or the simulated GPU model (--sim)',
    )
    .requiredOption('-w, --workload <file>', 'workload whose bucket grid and SLO to profile under')
    .option('--url <url>', 'base URL of an OpenAI-compatible server (e.g. http://localhost:8000)')
    .option('--gpu <name>', 'GPU type the server runs on (with --url), or a comma list (with --sim)')
    .option('--model <name>', 'model name sent to the server', 'default')
    .addOption(new Option('--api <api>', 'endpoint').choices(['completions', 'chat']).default('completions'))
    .option('--sim', 'profile the catalog GPUs on the simulated service model instead of a server')
    .option('-c, --catalog <file>', 'catalog with perf specs (with --sim)')
    .option('--requests <n>', 'requests per trial', num('--requests'))
    .option('--min-trial-s <s>', 'each server trial lasts at least this long', num('--min-trial-s'), 30)
    .option('--start-rate <r>', 'first trial rate, req/s', num('--start-rate'), 1)
    .option('--max-rate <r>', 'highest rate tried, req/s', num('--max-rate'), 256)
    .option('--refine <n>', 'bisection steps', num('--refine'))
    .option(
      '--max-ttft-ms <ms>',
      'overload bound on p99 TTFT when the SLO sets no TTFT',
      num('--max-ttft-ms'),
      5000,
    )
    .option('--merge <file>', 'add the measured rates to this existing profile')
    .requiredOption('--out <file>', 'profile to write (.yaml or .json)')
    .option('--json', 'print the profile as JSON')
    .action(async (o: ProfileOpts) => {
      const workload = loadWorkload(o.workload);
      let profile: Profile;
      if (o.sim) {
        if (!o.catalog) throw new FrugalError('E_ARG', '--sim needs --catalog', { field: '--catalog' });
        profile = await profileFromModel(loadCatalog(o.catalog), workload, workload.slo, {
          ...(o.gpu ? { gpus: o.gpu.split(',') } : {}),
          ...(o.requests ? { requests: o.requests } : {}),
          ...(o.refine ? { refineSteps: o.refine } : {}),
          maxTtftMs: o.maxTtftMs,
          progress: true,
        });
      } else {
        if (!o.url || !o.gpu)
          throw new FrugalError('E_ARG', 'profiling a server needs --url and --gpu (or use --sim)', {
            field: '--url',
          });
        profile = await profileServer({
          baseUrl: o.url,
          model: o.model,
          gpu: o.gpu,
          api: o.api,
          grid: workload,
          slo: workload.slo,
          startRate: o.startRate,
          maxRate: o.maxRate,
          minTrialS: o.minTrialS,
          maxTtftMs: o.maxTtftMs,
          ...(o.requests ? { requestsPerTrial: o.requests } : {}),
          ...(o.refine ? { refineSteps: o.refine } : {}),
          progress: true,
        });
      }
      if (o.merge) {
        const base = parseProfile(readDataFile(o.merge), o.merge);
        profile = { ...base, rates: { ...base.rates, ...profile.rates } };
        parseProfile(profile, o.merge);
      }
      await writeFileAtomic(
        o.out,
        o.out.endsWith('.json') ? `${JSON.stringify(profile, null, 2)}\n` : stringifyData(profile),
      );
      if (o.json) return console.log(JSON.stringify(profile));
      console.log(`profile under SLO ${describeSlo(profile.slo)} written to ${o.out}`);
      for (const [gpu, m] of Object.entries(profile.rates)) {
        console.log(`\n${gpu} (req/s; rows = input buckets, columns = output buckets)`);
        const head = ['input \\ output', ...profile.outputBuckets.map(([a, b]) => `[${a},${b})`)];
        console.log(
          formatTable(
            head,
            m.map((r, i) => [`[${profile.inputBuckets[i]!.join(',')})`, ...r.map(String)]),
          ),
        );
      }
    });

  plan
    .command('sweep')
    .description(
      'Cost of Mélange beside each single GPU type against request rate and TPOT SLO; writes SVG plots',
    )
    .requiredOption('-w, --workload <file>', 'workload (JSON/YAML)')
    .requiredOption('-c, --catalog <file>', 'catalog (JSON/YAML; perf specs needed for --tpot)')
    .option('-p, --profile <file>', 'profile for the rate sweep')
    .option('--rates <list>', 'request rates, req/s', list('--rates'))
    .option('--tpot <list>', 'TPOT SLOs in ms (profiles each on the simulated model)', list('--tpot'))
    .option('--headroom <f>', 'fraction of each profiled rate held back', num('--headroom'), DEFAULT_HEADROOM)
    .option('--requests <n>', 'requests per simulated profiling trial (--tpot)', num('--requests'), 200)
    .option('--out-dir <dir>', 'where to write the plots', '.')
    .option('--json', 'print the rows as JSON')
    .action(async (o: SweepOpts) => {
      const workload = loadWorkload(o.workload);
      const catalog = loadCatalog(o.catalog);
      const out: Record<string, SweepRow[]> = {};
      if (o.rates) {
        if (!o.profile) throw new FrugalError('E_ARG', '--rates needs --profile', { field: '--profile' });
        out.rate = await sweepRates(workload, catalog, loadProfile(o.profile), o.rates, {
          headroom: o.headroom,
        });
        const file = join(o.outDir, 'cost-vs-rate.svg');
        await writeSweepPlot(
          file,
          out.rate,
          `${workload.name}: cost against request rate`,
          'request rate (req/s)',
        );
      }
      if (o.tpot) {
        out.tpot = await sweepTpot(workload, catalog, o.tpot, {
          headroom: o.headroom,
          requests: o.requests,
          progress: true,
        });
        const file = join(o.outDir, 'cost-vs-tpot.svg');
        await writeSweepPlot(
          file,
          out.tpot,
          `${workload.name}: cost against TPOT SLO`,
          `${workload.slo.statistic} TPOT SLO (ms)`,
        );
      }
      if (!o.rates && !o.tpot)
        throw new FrugalError('E_ARG', 'give --rates and/or --tpot', { field: '--rates' });
      if (o.json) return console.log(JSON.stringify(out));
      for (const [axis, rows] of Object.entries(out)) {
        const allocs = [...new Set(rows.map((r) => r.allocation))];
        const xs = [...new Set(rows.map((r) => r.x))];
        const cell = (x: number, a: string) => rows.find((r) => r.x === x && r.allocation === a)?.costPerHour;
        console.log(`\ncost ($/h) against ${axis === 'rate' ? 'request rate (req/s)' : 'TPOT SLO (ms)'}:`);
        console.log(
          formatTable(
            [axis, ...allocs],
            xs.map((x) => [String(x), ...allocs.map((a) => cell(x, a)?.toFixed(2) ?? '-')]),
          ),
        );
        console.log(`plot: ${join(o.outDir, axis === 'rate' ? 'cost-vs-rate.svg' : 'cost-vs-tpot.svg')}`);
      }
    });

  plan
    .command('emulate')
    .description(
      'Serve an emulated GPU (OpenAI-compatible streaming API) to try `frugal plan profile --url` without one',
    )
    .requiredOption('-c, --catalog <file>', 'catalog with perf specs and the served model')
    .requiredOption('--gpu <name>', 'GPU type to emulate')
    .option('--port <n>', 'port', num('--port'), 8000)
    .option('--speedup <x>', 'emulated seconds per real second', num('--speedup'), 1)
    .action(async (o: { catalog: string; gpu: string; port: number; speedup: number }) => {
      const model = serviceModelFor(loadCatalog(o.catalog), o.gpu);
      const server = await startEmulator({ model, port: o.port, speedup: o.speedup, modelName: o.gpu });
      console.log(`emulating ${o.gpu} at ${server.url} (Ctrl-C to stop)`);
    });
}

interface ProfileOpts {
  workload: string;
  url?: string;
  gpu?: string;
  model: string;
  api: 'completions' | 'chat';
  sim?: boolean;
  catalog?: string;
  requests?: number;
  minTrialS: number;
  startRate: number;
  maxRate: number;
  refine?: number;
  maxTtftMs: number;
  merge?: string;
  out: string;
  json?: boolean;
}

interface SweepOpts {
  workload: string;
  catalog: string;
  profile?: string;
  rates?: number[];
  tpot?: number[];
  headroom: number;
  requests: number;
  outDir: string;
  json?: boolean;
}
