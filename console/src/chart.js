import { ArcElement, BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

Chart.register(BarController, BarElement, ArcElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Colours told apart without colour vision too (each series is also named in the legend and the table). */
const PALETTE = ['#0a58ca', '#b35900', '#1a7f37', '#8250df', '#a4161a', '#4a5560'];

/**
 * A Chart.js bar chart and, under it, the same numbers as a table: the canvas is an image to
 * assistive technology, the table is what it reads. The canvas carries the chart's own total
 * (data-total, summed from the Chart instance's datasets) so what was drawn can be checked.
 */
export function BarChart({ id, title, labels, series, stacked = false, unit = '', totals = true }) {
  const canvas = useRef(null);
  useEffect(() => {
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: PALETTE[i % PALETTE.length] })) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked }, y: { stacked, beginAtZero: true } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    const total = chart.data.datasets.reduce((sum, d) => sum + d.data.reduce((a, b) => a + (Number(b) || 0), 0), 0);
    canvas.current.dataset.total = String(total);
    canvas.current.dataset.rendered = 'true';
    return () => chart.destroy();
  }, [JSON.stringify({ labels, series, stacked })]);
  return html`
    <figure class="chart" aria-labelledby=${`${id}-caption`}>
      <figcaption id=${`${id}-caption`}>${title}</figcaption>
      <div class="chart-box"><canvas id=${id} ref=${canvas} role="img" aria-label=${`${title}: chart; the table below holds its numbers`}></canvas></div>
      <table class="data" id=${`${id}-table`}>
        <caption class="visually-hidden">${title}</caption>
        <thead><tr><th scope="col">Series</th>${labels.map((l) => html`<th scope="col">${l}</th>`)}${totals ? html`<th scope="col">Total</th>` : null}</tr></thead>
        <tbody>
          ${series.map(
            (s) => html`<tr><th scope="row">${s.label}</th>${s.data.map((v) => html`<td>${format(v, unit)}</td>`)}${totals ? html`<td>${format(s.data.reduce((a, b) => a + (Number(b) || 0), 0), unit)}</td>` : null}</tr>`,
          )}
        </tbody>
      </table>
    </figure>`;
}

const format = (v, unit) => (v === null || v === undefined ? '–' : `${Math.round(Number(v) * 100) / 100}${unit}`);
