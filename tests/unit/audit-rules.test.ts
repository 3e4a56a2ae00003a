import { describe, expect, it } from 'vitest';
import { findingsOf, unexcused } from '../../tools/audit-rules.ts';

const report = {
  vulnerabilities: {
    koa: { name: 'koa', severity: 'high', via: [{ source: 1, name: 'koa', title: 'Open redirect', url: 'https://github.com/advisories/GHSA-aaaa', severity: 'high' }] },
    'koa-helmet': { name: 'koa-helmet', severity: 'high', via: ['koa'] },
    ms: { name: 'ms', severity: 'moderate', via: [{ source: 2, name: 'ms', title: 'ReDoS', url: 'https://github.com/advisories/GHSA-bbbb', severity: 'moderate' }] },
    jose: { name: 'jose', severity: 'critical', via: [{ source: 3, name: 'jose', title: 'Bypass', url: 'https://github.com/advisories/GHSA-cccc', severity: 'critical' }] },
  },
};

describe('the dependency audit', () => {
  it('counts high and critical advisories once, at the package that has them', () => {
    expect(findingsOf(report)!.map((f) => `${f.package} ${f.severity}`)).toEqual(['koa high', 'jose critical']);
  });

  it('lets a reviewed, unexpired exception through and nothing else', () => {
    const findings = findingsOf(report)!;
    const allow = [{ advisory: 'https://github.com/advisories/GHSA-aaaa', package: 'koa', reason: 'we never redirect to user input', until: '2027-01-01' }];
    expect(unexcused(findings, allow, '2026-11-24').map((f) => f.package)).toEqual(['jose']);
    expect(unexcused(findings, allow, '2027-02-01').map((f) => f.package)).toEqual(['koa', 'jose']);
    expect(unexcused(findings, [{ ...allow[0]!, package: 'other' }], '2026-11-24')).toHaveLength(2);
  });

  it('knows when the advisory service did not answer', () => {
    expect(findingsOf({ error: { code: 'ENOAUDIT', summary: '405' } })).toBeNull();
  });
});
