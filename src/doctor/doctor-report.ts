import type { DoctorCheck } from './doctor-check.js';

/** One line per check, `✔` or `✘`, and under each `✘` what to change; then a summary. */
export function formatReport(target: string, checks: readonly DoctorCheck[]): string {
  const lines = [`nestjs-keycard doctor ${target}`, ''];
  for (const check of checks) {
    lines.push(`${check.ok ? '✔' : '✘'} ${check.label}`);
    if (!check.ok && check.fix) lines.push(`    fix: ${check.fix}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  lines.push('', failed === 0 ? `All ${checks.length} checks passed.` : `${failed} of ${checks.length} checks failed.`);
  return lines.join('\n');
}
