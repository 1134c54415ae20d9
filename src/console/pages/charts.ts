import { html, type SafeHtml } from '../html.js';
import type { RatePoint } from '../rate-sampler.js';

/** Percent of `part` in `whole`, with two decimals. */
function percent(part: number, whole: number): number {
  return whole <= 0 ? 0 : Math.round((part / whole) * 10_000) / 100;
}

/** One bar: sent, failed, cancelled and remaining rows side by side, as shares of the campaign's rows. */
export function progressBar(counts: { readonly rows: number; readonly sent: number; readonly failed: number; readonly cancelled: number; readonly remaining: number }): SafeHtml {
  const total = Math.max(1, counts.sent + counts.failed + counts.cancelled + counts.remaining);
  let x = 0;
  const parts = (['sent', 'failed', 'cancelled'] as const).map((kind) => {
    const width = percent(counts[kind], total);
    const rect = html`<rect class="${kind}" x="${x}" y="0" width="${width}" height="10"></rect>`;
    x += width;
    return rect;
  });
  const label = `${counts.sent} sent, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.remaining} remaining of ${counts.rows}`;
  return html`<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="${label}"><title>${label}</title>${parts}</svg>`;
}

/** The top of the rate chart's scale: a tenth above the higher of `limit` and the busiest second. */
export function chartTop(points: readonly RatePoint[], limit: number | null): number {
  return Math.max(1, limit ?? 0, ...points.map((point) => point.perSecond)) * 1.1;
}

/**
 * Calls per second over the last `spanSeconds`, one bar a second, with the account cap (solid) and the campaign's
 * own limit (dashed) as lines; the scale reaches the higher of the limit and the busiest second.
 */
export function rateChart(points: readonly RatePoint[], now: number, spanSeconds: number, cap: number | null, limit: number | null): SafeHtml {
  const top = chartTop(points, limit);
  const y = (value: number): number => Math.round((100 - (value / top) * 100) * 100) / 100;
  const bars = points
    .filter((point) => now - point.t < spanSeconds * 1000)
    .map((point) => {
      const x = Math.round((spanSeconds - (now - point.t) / 1000) * 100) / 100;
      return html`<rect class="calls" x="${x - 1}" y="${y(point.perSecond)}" width="1" height="${100 - y(point.perSecond)}"></rect>`;
    });
  const line = (value: number | null, kind: string): SafeHtml | null =>
    value === null || value > top ? null : html`<line class="${kind}" x1="0" x2="${spanSeconds}" y1="${y(value)}" y2="${y(value)}" vector-effect="non-scaling-stroke"></line>`;
  const label = `calls per second over the last ${spanSeconds} s`;
  return html`<svg class="chart" viewBox="0 0 ${spanSeconds} 100" preserveAspectRatio="none" role="img" aria-label="${label}">${bars}${line(cap, 'cap')}${line(limit === cap ? null : limit, 'limit')}</svg>`;
}
