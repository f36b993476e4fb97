// Starts Debian's chromium (found on PATH, never downloaded) through
// playwright-core for the web view's tests, with a fresh profile; saves a
// screenshot of the page into build/browser/ when a test fails.
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, delimiter } from 'node:path';
import { root } from '../lib/server.mjs';

export const outDir = join(root, process.env.BROWSER_OUT || 'build/browser');

export function findOnPath(name) {
  for (const d of (process.env.PATH || '').split(delimiter)) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return null;
}

export const chromiumPath = findOnPath('chromium');
// Without chromium the tests are skipped with a message, except in CI
// (.ci/run installs it), where that is a failure.
export const skip = !chromiumPath && !process.env.CI
  ? 'chromium is not on PATH (apt-get install chromium): browser tests skipped' : false;

// open(url) → {page, close(), shot(name)}
export async function open(url, { width = 1400, height = 900 } = {}) {
  if (!chromiumPath) throw new Error('chromium is not on PATH: apt-get install chromium');
  const profile = mkdtempSync(join(tmpdir(), 'evictsim-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width, height },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return {
    page, errors,
    async shot(name) {
      mkdirSync(outDir, { recursive: true });
      const path = join(outDir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Runs fn(view) in a browser on url; on failure saves a screenshot named
// after the test and says where.
export async function withPage(t, url, fn, opts) {
  const view = await open(url, opts);
  try {
    await fn(view);
    if (view.errors.length) throw new Error(`errors in the page: ${view.errors.join('; ')}`);
  } catch (e) {
    const path = await view.shot(`failed-${t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => null);
    if (path) e.message += `\n(screenshot: ${path})`;
    throw e;
  } finally {
    await view.close();
  }
}
