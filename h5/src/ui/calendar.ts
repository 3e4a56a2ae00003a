// The company's calendar lives in Asia/Shanghai, whatever zone the phone is set to. Apart from
// format.ts so that Home, which needs only the month, does not bring the money helpers along.

/** Today in Asia/Shanghai as YYYY-MM-DD (en-CA writes dates that way). */
export function shanghaiDay(at: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** This month in Asia/Shanghai as YYYY-MM: the period of a monthly target. */
export function shanghaiMonth(at: Date = new Date()): string {
  return shanghaiDay(at).slice(0, 7);
}
