/**
 * A small SVG line chart, written by hand so that the benchmark needs no plotting library: one panel per measure,
 * its values against the AWS limit they must stay under.
 */

export interface Panel {
  readonly title: string;
  /** Labels of the x axis: the configurations measured. */
  readonly xLabels: readonly string[];
  /** Where each label sits on a linear axis; without them, the labels are evenly spaced. */
  readonly xValues?: readonly number[];
  readonly xTitle: string;
  /** The measured values, one per label; `undefined` where the configuration was refused. */
  readonly values: ReadonlyArray<number | undefined>;
  readonly unit: string;
  readonly limit: { readonly value: number; readonly label: string };
}

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 220;
const MARGIN = { top: 40, right: 28, bottom: 48, left: 56 };

export function chartSvg(panels: readonly Panel[]): string {
  const width = panels.length * PANEL_WIDTH;
  const body = panels.map((panel, i) => `<g transform="translate(${i * PANEL_WIDTH},0)">${renderPanel(panel)}</g>`).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL_HEIGHT}" viewBox="0 0 ${width} ${PANEL_HEIGHT}" `
      + 'font-family="Helvetica, Arial, sans-serif" font-size="11">',
    `<rect width="${width}" height="${PANEL_HEIGHT}" fill="white"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

function renderPanel(panel: Panel): string {
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const yMax = niceCeiling(Math.max(panel.limit.value, ...panel.values.filter((v): v is number => v !== undefined)) * 1.1);
  const xValues = panel.xValues;
  const xMax = xValues ? Math.max(...xValues) : 0;
  const x = (i: number) => MARGIN.left + (xValues
    ? (xValues[i] / xMax) * plotWidth
    : panel.xLabels.length === 1 ? plotWidth / 2 : (i * plotWidth) / (panel.xLabels.length - 1));
  const y = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight;

  const parts: string[] = [];
  parts.push(`<text x="${PANEL_WIDTH / 2}" y="18" text-anchor="middle" font-size="12" font-weight="bold">${escape(panel.title)}</text>`);
  // Axes and gridlines.
  for (const tick of ticks(yMax)) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#555">${formatTick(tick)}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`);
  // On a linear axis, labels closer than 24 pixels to the previous one are left out.
  let lastLabelX = -Infinity;
  panel.xLabels.forEach((label, i) => {
    if (x(i) - lastLabelX >= 24) {
      parts.push(`<text x="${x(i)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle" fill="#555">${escape(label)}</text>`);
      lastLabelX = x(i);
    }
  });
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${PANEL_HEIGHT - 8}" text-anchor="middle">${escape(panel.xTitle)}</text>`);
  parts.push(`<text transform="translate(14,${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(panel.unit)}</text>`);
  // The limit.
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(panel.limit.value)}" y2="${y(panel.limit.value)}" `
    + 'stroke="#c0392b" stroke-dasharray="5,4" stroke-width="1.5"/>');
  parts.push(`<text x="${MARGIN.left + 4}" y="${y(panel.limit.value) - 5}" fill="#c0392b">${escape(panel.limit.label)}</text>`);
  // The measurements: a line through the measured points, a cross where the construct refused.
  const measured = panel.values.map((value, i) => (value === undefined ? undefined : [x(i), y(value)] as const));
  const points = measured.filter((point): point is readonly [number, number] => point !== undefined);
  if (points.length > 1) {
    parts.push(`<polyline fill="none" stroke="#2c6fbb" stroke-width="2" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`);
  }
  let refusedLabelled = false;
  measured.forEach((point, i) => {
    if (point) {
      parts.push(`<circle cx="${point[0].toFixed(1)}" cy="${point[1].toFixed(1)}" r="3.5" fill="#2c6fbb"/>`);
    } else {
      // A refused configuration: a cross above the limit, and the word once.
      const cx = x(i);
      const cy = y(panel.limit.value) - 24;
      parts.push(`<path d="M${cx - 4},${cy - 4} L${cx + 4},${cy + 4} M${cx - 4},${cy + 4} L${cx + 4},${cy - 4}" stroke="#c0392b" stroke-width="2"/>`);
      if (!refusedLabelled) {
        parts.push(`<text x="${cx - 8}" y="${cy + 4}" text-anchor="end" fill="#c0392b">refused at synth</text>`);
        refusedLabelled = true;
      }
    }
  });
  return parts.join('\n');
}

function niceCeiling(value: number): number {
  const magnitude = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) {
      return step * magnitude;
    }
  }
  return 10 * magnitude;
}

function ticks(max: number): number[] {
  return [0, 1, 2, 3, 4, 5].map(i => (max * i) / 5);
}

function formatTick(value: number): string {
  return value >= 10_000 ? `${Math.round(value / 1000)}k` : `${Math.round(value * 10) / 10}`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
