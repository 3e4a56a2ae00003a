// npm run audit: fails (exit 1) on a high or critical advisory in a production dependency that
// tools/audit-allow.json does not excuse. When the registry answers no audit (this build
// machine's mirror, an offline install) it says so and passes, unless AUDIT_REQUIRED=1.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findingsOf, unexcused, type AllowEntry } from './audit-rules.ts';

function runAudit(): unknown {
  try {
    return JSON.parse(execFileSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch (error) {
    // npm exits non-zero when it finds something, with the report on stdout
    const stdout = (error as { stdout?: string }).stdout;
    try {
      return JSON.parse(stdout ?? '');
    } catch {
      return { error: { summary: 'npm audit gave no report' } };
    }
  }
}

const allow = JSON.parse(readFileSync(new URL('./audit-allow.json', import.meta.url), 'utf8')) as AllowEntry[];
const findings = findingsOf(runAudit() as never);
if (findings === null) {
  const required = process.env.AUDIT_REQUIRED === '1';
  console.log(`audit: the registry's advisory service did not answer; dependency audit ${required ? 'FAILED (AUDIT_REQUIRED=1)' : 'skipped'}`);
  process.exit(required ? 1 : 0);
}
const left = unexcused(findings, allow, new Date().toISOString().slice(0, 10));
for (const f of left) console.log(`audit: ${f.severity} ${f.package}: ${f.title} (${f.advisory})`);
console.log(`audit: ${findings.length} high or critical advisories, ${findings.length - left.length} excused by tools/audit-allow.json`);
process.exit(left.length ? 1 : 0);
