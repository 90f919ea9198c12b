/**
 * `x.toLocaleString('en-US')`, written without Intl: the first number formatted through ICU maps about
 * 7 MB of its data into the process, which then counts in the peak memory of every analysis (a 200 MB
 * capture peaks at about 100 MB). Same output: thousands separators, at most three decimals rounded
 * half away from zero on the shortest decimal form of the number (as ICU rounds), "-0" kept, "∞".
 */
export function formatNumber(x: number): string {
  if (Number.isSafeInteger(x)) return x < 0 ? `-${group(String(-x))}` : Object.is(x, -0) ? '-0' : group(String(x));
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  const sign = x < 0 ? '-' : '';
  // The shortest digits that read back as x, and where the decimal point goes among them.
  const [mantissa, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  let digits = mantissa.replace('.', '');
  let point = Number(exp) + 1;
  // Keep three decimals; the first digit dropped decides (halves away from zero).
  const keep = point + 3;
  if (keep < 0) return `${sign}0`;
  if (digits.length > keep) {
    const up = digits.charCodeAt(keep) >= 53; /* '5' */
    digits = digits.slice(0, keep);
    if (up) {
      // Add one at the last kept place, carrying to the left (9.9995 → 10.000).
      const d = digits.split('');
      let i = d.length - 1;
      while (i >= 0 && d[i] === '9') d[i--] = '0';
      if (i >= 0) d[i] = String.fromCharCode(d[i]!.charCodeAt(0) + 1);
      else {
        d.unshift('1');
        point++;
      }
      digits = d.join('');
    }
  }
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = '0';
    fraction = '0'.repeat(-point) + digits;
  } else if (digits.length <= point) {
    whole = digits + '0'.repeat(point - digits.length);
    fraction = '';
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  fraction = fraction.replace(/0+$/, '');
  return `${sign}${group(whole.replace(/^0+(?=\d)/, ''))}${fraction ? `.${fraction}` : ''}`;
}

/** "1234567" → "1,234,567". */
function group(digits: string): string {
  if (digits.length <= 3) return digits;
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}
