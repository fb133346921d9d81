// Lighthouse on the listing, a coin page and the login page, as a phone and as a desktop,
// through the ALB stand-in (CLUSTER_URL): every category (performance, accessibility, best
// practices, SEO) must score at least LIGHTHOUSE_MIN (95). Reports, HTML and JSON, go to
// artifacts/lighthouse/, with a summary.json of every score.
//
// Runs the Debian Chromium (CHROME_PATH, default /usr/bin/chromium) headless through the
// lighthouse CLI from tests/browser/node_modules; nothing is downloaded. Performance varies
// from run to run with the machine's load (Lighthouse's own advice is the median of several
// runs), so a page that falls short is run twice more and judged by its median run. Exit
// status 0 only when every page scored enough in every category.
//
//   CLUSTER_URL=http://127.0.0.1:18080 node lighthouse.mjs

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ARTIFACTS, BASE_URL } from './lib.mjs';

const require = createRequire(import.meta.url);
const CLI = join(require.resolve('lighthouse/package.json'), '..', 'cli', 'index.js');
const CHROME_PATH = process.env.CHROME_PATH || process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const MIN = Number(process.env.LIGHTHOUSE_MIN || 95);
const OUT = join(ARTIFACTS, 'lighthouse');
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const FORM_FACTORS = ['mobile', 'desktop'];

async function firstCoinPath() {
  const res = await fetch(`${BASE_URL}/`);
  const html = await res.text();
  const match = html.match(/href="(\/coins\/[a-z0-9._-]+)"/);
  if (!match) throw new Error(`no coin link on ${BASE_URL}/ (status ${res.status})`);
  return match[1];
}

function run(name, url, formFactor, attempt = 1) {
  const base = join(OUT, attempt === 1 ? `${name}-${formFactor}` : `${name}-${formFactor}-run${attempt}`);
  const args = [
    CLI,
    url,
    '--quiet',
    `--only-categories=${CATEGORIES.join(',')}`,
    '--output=json',
    '--output=html',
    `--output-path=${base}`,
    '--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-background-networking --disable-component-update',
    '--max-wait-for-load=30000',
  ];
  if (formFactor === 'desktop') args.push('--preset=desktop');
  const started = Date.now();
  const result = spawnSync(process.execPath, args, {
    env: { ...process.env, CHROME_PATH },
    encoding: 'utf8',
    timeout: 180_000,
  });
  const secs = (Date.now() - started) / 1000;
  const jsonFile = `${base}.report.json`;
  if (result.status !== 0 || !existsSync(jsonFile)) {
    return { name, formFactor, url, secs, error: (result.stderr || result.error?.message || `exit ${result.status}`).slice(-2000) };
  }
  const report = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((report.categories[c]?.score ?? 0) * 100)]));
  // What cost points, so a failure says why without opening the report.
  const lost = [];
  for (const c of CATEGORIES) {
    for (const ref of report.categories[c]?.auditRefs ?? []) {
      const audit = report.audits[ref.id];
      if (ref.weight > 0 && audit && audit.score !== null && audit.score < 1) lost.push(`${c}: ${ref.id} (${audit.displayValue || audit.score})`);
    }
  }
  return { name, formFactor, url, secs, scores, lost, attempt };
}

const total = (r) => CATEGORIES.reduce((sum, c) => sum + r.scores[c], 0);

// The run whose scores sum to the median of three, when the first falls short.
function judged(name, url, formFactor) {
  let first = run(name, url, formFactor);
  // Lighthouse's own runtime errors (a trace it failed to record: NO_NAVSTART, seen once on a
  // cold Chromium) end with "Please run Lighthouse again": one more run, as it asks. A page
  // that really fails to load fails the second run too.
  if (first.error && /Runtime error encountered/.test(first.error)) {
    console.log(`note ${name} ${formFactor}: lighthouse asked to be run again (${first.error.trim().split('\n').pop()})`);
    first = run(name, url, formFactor, 4);
  }
  if (first.error || CATEGORIES.every((c) => first.scores[c] >= MIN)) return first;
  const runs = [first, run(name, url, formFactor, 2), run(name, url, formFactor, 3)].filter((r) => !r.error);
  runs.sort((a, b) => total(a) - total(b));
  const median = runs[Math.floor((runs.length - 1) / 2)] ?? first;
  median.secs = runs.reduce((sum, r) => sum + r.secs, 0);
  median.runs = runs.map((r) => r.scores);
  return median;
}

const started = Date.now();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const pages = [
  ['listing', `${BASE_URL}/`],
  ['coin', `${BASE_URL}${await firstCoinPath()}`],
  ['login', `${BASE_URL}/account/login`],
];
const results = [];
let failed = false;
for (const [name, url] of pages) {
  for (const formFactor of FORM_FACTORS) {
    const r = judged(name, url, formFactor);
    results.push(r);
    if (r.error) {
      failed = true;
      console.log(`FAIL ${name} ${formFactor}: lighthouse did not finish: ${r.error}`);
      continue;
    }
    const low = CATEGORIES.filter((c) => r.scores[c] < MIN);
    if (low.length > 0) failed = true;
    const line = CATEGORIES.map((c) => `${c} ${r.scores[c]}`).join(', ');
    const median = r.runs ? ` (median of ${r.runs.length} runs, report ${r.attempt})` : '';
    console.log(`${low.length ? 'FAIL' : 'ok  '} ${name} ${formFactor} (${r.secs.toFixed(1)} s): ${line}${median}`);
    for (const l of r.lost) console.log(`       ${l}`);
  }
}
const seconds = (Date.now() - started) / 1000;
writeFileSync(join(OUT, 'summary.json'), JSON.stringify({ min: MIN, seconds, results }, null, 2));
console.log(`lighthouse: ${results.length} pages in ${seconds.toFixed(1)} s; reports in ${OUT}`);
process.exit(failed ? 1 : 0);
