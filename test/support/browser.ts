import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { childPids, isRunning } from './process.js';
import { eventually } from './temp.js';

/** The system's Chromium (scripts/test.sh installs Debian's package and exports its path): playwright-core never downloads a browser. */
export const CHROMIUM = process.env.HERALD_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Kept with the test output, not in git (.gitignore): dist/test/support -> the checkout's test-results/. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

export interface BrowserSession {
  browser: Browser;
  /** A page in a fresh context (no cookies or storage shared with other pages); e.g. `{ javaScriptEnabled: false }`. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

/**
 * Headless Chromium for one test, closed when the test ends, with a check that no browser
 * process outlives it.
 */
export async function launchBrowser(t: TestContext): Promise<BrowserSession> {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: scripts/test.sh installs Debian's chromium package, or set HERALD_TEST_CHROMIUM`);
  const before = new Set(childPids(process.pid));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox cannot start as root (containers, CI); /dev/shm is often tiny there.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'],
  });
  const started = childPids(process.pid).filter((pid) => !before.has(pid));
  t.after(async () => {
    await browser.close();
    await eventually(() => (started.some(isRunning) ? undefined : true), 10_000, 'the browser processes to exit');
  });
  return {
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext(options);
      return context.newPage();
    },
  };
}

/** A full-page PNG under test-results/screenshots/, its path printed in the test log. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`;
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules and best practices) in the page and fails on every
 * serious or critical violation, naming the rule and the elements. The page needs JavaScript
 * enabled; axe's source goes in through the DevTools protocol, which the page's
 * Content-Security-Policy does not govern.
 */
export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run();
    return result.violations.map(({ id, impact, help, nodes }) => ({ id, impact: impact ?? null, help, nodes: nodes.map((n) => ({ target: n.target as unknown[] })) }));
  });
  const serious = (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    serious.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`),
    [],
    `accessibility violations on ${page.url()}`,
  );
}
