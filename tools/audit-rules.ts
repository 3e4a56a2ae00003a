// How the dependency audit judges `npm audit --json`: every production dependency with a high or
// critical advisory fails the build unless tools/audit-allow.json names that advisory for that
// package with a reason (and, if given, an expiry that has not passed).
export interface AllowEntry {
  /** the advisory's URL (https://github.com/advisories/GHSA-…) */
  advisory: string;
  package: string;
  reason: string;
  /** YYYY-MM-DD: the exception is reviewed again by then */
  until?: string;
}

export interface Finding {
  package: string;
  severity: string;
  advisory: string;
  title: string;
}

interface AuditVia {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
}

interface AuditReport {
  error?: { code?: string; summary?: string };
  vulnerabilities?: Record<string, { name: string; severity: string; via: (AuditVia | string)[] }>;
}

const failing = new Set(['high', 'critical']);

/** null when the advisory service could not be asked (offline registry, a mirror without audit) */
export function findingsOf(report: AuditReport): Finding[] | null {
  if (report.error || !report.vulnerabilities) return null;
  const findings: Finding[] = [];
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via) {
      // a string names another vulnerable package this one depends on: that one is listed itself
      if (typeof via === 'string' || !via.url || !failing.has(via.severity ?? '')) continue;
      findings.push({ package: vulnerability.name, severity: via.severity!, advisory: via.url, title: via.title ?? '' });
    }
  }
  return findings;
}

/** The findings no live exception covers. */
export function unexcused(findings: Finding[], allow: AllowEntry[], today: string): Finding[] {
  return findings.filter((f) => !allow.some((a) => a.advisory === f.advisory && a.package === f.package && (!a.until || a.until >= today)));
}
