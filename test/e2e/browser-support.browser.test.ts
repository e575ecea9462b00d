import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { expectNoSeriousA11yViolations, launchBrowser, screenshot } from '../support/browser.js';

/** The browser helpers every page test relies on: a check that passes everything would prove nothing. */
describe('browser test support', () => {
  it('the accessibility check fails on serious violations, names them, and passes a clean page', async (t) => {
    const { newPage } = await launchBrowser(t);
    const page = await newPage();
    await page.setContent('<!doctype html><html><head><title>Bad</title></head><body><main><input type="checkbox"><p style="color:#ccc;background:#fff">faint</p></main></body></html>');
    await assert.rejects(expectNoSeriousA11yViolations(page), (error: Error) => {
      for (const rule of ['html-has-lang', 'label', 'color-contrast']) assert.match(error.message, new RegExp(rule));
      return true;
    });
    await page.setContent('<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Fine</h1><label><input type="checkbox"> Email</label></main></body></html>');
    await expectNoSeriousA11yViolations(page);
    const path = await screenshot(page, 'browser-support-clean-page');
    assert.ok(existsSync(path));
    rmSync(path);
  });
});
