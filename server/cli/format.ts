// Compact human output: aligned columns, dates without milliseconds, nothing that can drive the
// terminal (names and ids may come from other people).
import { oneLine } from './io.ts';

export function date(ms: number | null | undefined): string {
  return typeof ms === 'number' ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

export function table(headers: string[], rows: Array<Array<string | undefined>>): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell ? oneLine(cell) : '-')))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  '),
    )
    .join('\n');
}
