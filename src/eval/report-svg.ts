/**
 * The report's two charts as hand-written SVG (no library, no script): accuracy against cost per
 * model and profile, with the Wilson interval as an error bar, and a reliability diagram per
 * target with confidences. Every text that comes from the results is escaped; numbers are
 * written by toFixed, so nothing else reaches the markup. Hovering a mark shows its figures (an
 * SVG <title>), which browsers do without script. Styles are attributes, not classes, so a chart
 * copied out of the page looks the same.
 */
import type { TargetReport } from './report.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const MARGIN = { left: 56, right: 24, top: 20, bottom: 44 };
const COLOURS = { model: '#3b6ea5', profile: '#c0562b' } as const;

interface Frame {
  width: number;
  height: number;
  x: (value: number) => number;
  y: (value: number) => number;
}

function frame(width: number, height: number, xMax: number): Frame {
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  return { width, height, x: (value) => MARGIN.left + (value / xMax) * plotWidth, y: (value) => MARGIN.top + (1 - value) * plotHeight };
}

const n = (value: number) => value.toFixed(1);

/** 1, 2 or 5 times a power of ten, giving about five ticks up to `max`. */
export function tickStep(max: number): number {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const multiple = [1, 2, 5, 10].find((candidate) => candidate * power >= rough) as number;
  return multiple * power;
}

function axes(f: Frame, xMax: number, xStep: number, xLabel: string, yLabel: string, xPercent: boolean): string {
  const parts: string[] = [];
  const [left, right, top, bottom] = [f.x(0), f.x(xMax), f.y(1), f.y(0)];
  for (let tick = 0; tick <= 1.0001; tick += 0.2) {
    parts.push(`<line stroke="#e6e9ec" x1="${n(left)}" x2="${n(right)}" y1="${n(f.y(tick))}" y2="${n(f.y(tick))}"/>`);
    parts.push(`<text x="${n(left - 6)}" y="${n(f.y(tick) + 4)}" text-anchor="end">${(tick * 100).toFixed(0)} %</text>`);
  }
  for (let tick = 0; tick <= xMax + 1e-9; tick += xStep) {
    parts.push(`<line stroke="#6b7580" x1="${n(f.x(tick))}" x2="${n(f.x(tick))}" y1="${n(bottom)}" y2="${n(bottom + 4)}"/>`);
    const label = xPercent ? `${(tick * 100).toFixed(0)} %` : Number(tick.toFixed(6)).toString();
    parts.push(`<text x="${n(f.x(tick))}" y="${n(bottom + 17)}" text-anchor="middle">${label}</text>`);
  }
  parts.push(`<line stroke="#6b7580" x1="${n(left)}" x2="${n(right)}" y1="${n(bottom)}" y2="${n(bottom)}"/>`);
  parts.push(`<line stroke="#6b7580" x1="${n(left)}" x2="${n(left)}" y1="${n(top)}" y2="${n(bottom)}"/>`);
  parts.push(`<text font-size="12" x="${n((left + right) / 2)}" y="${n(f.height - 6)}" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push(`<text font-size="12" transform="translate(14 ${n((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
  return parts.join('');
}

/** Accuracy (with its interval) against model calls per request: what each target buys with its calls. */
export function accuracyCostChart(targets: readonly TargetReport[]): string {
  const plotted = targets.filter((target) => target.accuracy.estimate !== null && target.callsPerRequest !== null);
  const maxCalls = Math.max(1, ...plotted.map((target) => target.callsPerRequest as number));
  const step = tickStep(maxCalls * 1.1);
  const xMax = Math.ceil((maxCalls * 1.1) / step) * step;
  const f = frame(640, 360, xMax);
  const marks = plotted.map((target) => {
    const [cx, cy] = [f.x(target.callsPerRequest as number), f.y(target.accuracy.estimate as number)];
    const [low, high] = [f.y(target.accuracy.low as number), f.y(target.accuracy.high as number)];
    const colour = COLOURS[target.kind];
    const title = `${target.name} (${target.kind}): accuracy ${((target.accuracy.estimate as number) * 100).toFixed(1)} % [${((target.accuracy.low as number) * 100).toFixed(1)}, ${((target.accuracy.high as number) * 100).toFixed(1)}], ${(target.callsPerRequest as number).toFixed(2)} calls per request`;
    const shape =
      target.kind === 'model'
        ? `<circle cx="${n(cx)}" cy="${n(cy)}" r="5" fill="${colour}"/>`
        : `<rect x="${n(cx - 5)}" y="${n(cy - 5)}" width="10" height="10" fill="${colour}"/>`;
    return (
      `<g class="mark"><title>${escapeHtml(title)}</title>` +
      `<line stroke-width="1.5" stroke="${colour}" x1="${n(cx)}" x2="${n(cx)}" y1="${n(low)}" y2="${n(high)}"/>` +
      `<line stroke-width="1.5" stroke="${colour}" x1="${n(cx - 4)}" x2="${n(cx + 4)}" y1="${n(low)}" y2="${n(low)}"/>` +
      `<line stroke-width="1.5" stroke="${colour}" x1="${n(cx - 4)}" x2="${n(cx + 4)}" y1="${n(high)}" y2="${n(high)}"/>` +
      `${shape}<text font-weight="600" x="${n(cx + 8)}" y="${n(cy - 6)}">${escapeHtml(target.name)}</text></g>`
    );
  });
  const legend =
    `<g><circle cx="${n(f.width - 150)}" cy="28" r="5" fill="${COLOURS.model}"/><text x="${n(f.width - 140)}" y="32">model, single-shot</text>` +
    `<rect x="${n(f.width - 155)}" y="42" width="10" height="10" fill="${COLOURS.profile}"/><text x="${n(f.width - 140)}" y="51">profile (pipeline)</text></g>`;
  return svg(f, 'Accuracy against model calls per request', axes(f, xMax, step, 'model calls per request', 'accuracy', false) + marks.join('') + legend);
}

/** Mean confidence against observed accuracy in each of the bins, with counts; the diagonal is perfect calibration. */
export function reliabilityChart(target: TargetReport): string {
  const f = frame(340, 340, 1);
  const bins = target.confidence.bins.filter((bin) => bin.count > 0);
  const largest = Math.max(1, ...bins.map((bin) => bin.count));
  const marks = bins.map((bin) => {
    const [cx, cy] = [f.x(bin.meanProbability as number), f.y(bin.accuracy as number)];
    const radius = 3 + 7 * Math.sqrt(bin.count / largest);
    const title = `confidence ${bin.low.toFixed(1)}–${bin.high.toFixed(1)}: ${bin.count} answers, mean confidence ${(bin.meanProbability as number).toFixed(3)}, right ${((bin.accuracy as number) * 100).toFixed(1)} %`;
    return `<g class="mark"><title>${escapeHtml(title)}</title><circle cx="${n(cx)}" cy="${n(cy)}" r="${n(radius)}" fill="${COLOURS[target.kind]}" fill-opacity="0.7"/><text x="${n(cx)}" y="${n(cy - radius - 3)}" text-anchor="middle">${bin.count}</text></g>`;
  });
  const diagonal = `<line stroke="#9aa3ab" stroke-dasharray="4 4" x1="${n(f.x(0))}" y1="${n(f.y(0))}" x2="${n(f.x(1))}" y2="${n(f.y(1))}"/>`;
  return svg(f, `Reliability diagram: ${target.name}`, axes(f, 1, 0.2, 'mean confidence in the bin', 'share right', true) + diagonal + marks.join(''));
}

function svg(f: Frame, label: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeHtml(label)}" font-family="system-ui, sans-serif" font-size="11" fill="#333c45">${body}</svg>`;
}
