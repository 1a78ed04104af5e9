import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/plan.js';
import { EXAMPLES } from './fixtures.js';

/** Runs `frugal <args>` in-process and returns what it printed. */
async function frugal(...args: string[]): Promise<string> {
  const program = new Command('frugal').exitOverride();
  register(program);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    await program.parseAsync(['node', 'frugal', ...args]);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

const ex = (f: string) => join(EXAMPLES, f);

test('plan solve --json prints the plan and its simulation', async () => {
  const out = JSON.parse(
    await frugal(
      'plan',
      'solve',
      '-w',
      ex('chat.yaml'),
      '-c',
      ex('catalog.yaml'),
      '-p',
      ex('profile.yaml'),
      '--simulate',
      '--requests',
      '1000',
      '--json',
    ),
  ) as { plan: { costPerHour: number; gpus: { count: number }[] }; simulation: { attainment: number } };
  assert.ok(out.plan.costPerHour > 0);
  assert.equal(out.plan.gpus.length, 4);
  assert.ok(out.simulation.attainment >= 0 && out.simulation.attainment <= 1);
  const table = await frugal(
    'plan',
    'solve',
    '-w',
    ex('mixed.yaml'),
    '-c',
    ex('catalog.yaml'),
    '-p',
    ex('profile.yaml'),
  );
  assert.match(table, /best single type: .* Mélange saves/);
});

test('plan profile --sim writes a profile that plan solve accepts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-plan-cli-'));
  const workload = join(dir, 'w.yaml');
  writeFileSync(
    workload,
    'name: tiny\nrate: 3\nslo: { tpotMs: 120, statistic: p99 }\ninputBuckets: [[1, 128]]\noutputBuckets: [[1, 64], [64, 128]]\ndistribution: [[1, 1]]\n',
  );
  const profile = join(dir, 'p.yaml');
  await frugal(
    'plan',
    'profile',
    '--sim',
    '-c',
    ex('catalog.yaml'),
    '-w',
    workload,
    '--gpu',
    'L4,A100-80G',
    '--requests',
    '100',
    '--refine',
    '2',
    '--out',
    profile,
  );
  assert.match(readFileSync(profile, 'utf8'), /L4:/);
  const catalog = join(dir, 'c.yaml');
  writeFileSync(
    catalog,
    'gpus:\n  - { name: L4, pricePerHour: 0.7 }\n  - { name: A100-80G, pricePerHour: 3.67 }\n',
  );
  const out = JSON.parse(
    await frugal('plan', 'solve', '-w', workload, '-c', catalog, '-p', profile, '--json'),
  ) as {
    plan: { costPerHour: number };
  };
  assert.ok(out.plan.costPerHour > 0);
});

test('plan sweep writes an SVG with one line per allocation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-plan-sweep-'));
  const out = JSON.parse(
    await frugal(
      'plan',
      'sweep',
      '-w',
      ex('chat.yaml'),
      '-c',
      ex('catalog.yaml'),
      '-p',
      ex('profile.yaml'),
      '--rates',
      '2,12',
      '--out-dir',
      dir,
      '--json',
    ),
  ) as { rate: { x: number; allocation: string; costPerHour: number }[] };
  for (const x of [2, 12]) {
    const rows = out.rate.filter((r) => r.x === x);
    const mel = rows.find((r) => r.allocation === 'Mélange')!;
    for (const r of rows) assert.ok(mel.costPerHour <= r.costPerHour + 1e-9, `${r.allocation} at ${x}`);
  }
  const svg = readFileSync(join(dir, 'cost-vs-rate.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  assert.match(svg, /A100-80G only/);
});
