/**
 * The page's stylesheet and script, served from the console itself: the Content-Security-Policy allows no inline
 * script or style, so a value that escaped its escaping still could not run.
 */
export const CONSOLE_CSS = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0; }
header { background: #1d2330; color: #fff; padding: 0.6rem 1.2rem; display: flex; gap: 1.5rem; align-items: baseline; }
header a { color: #cfd6e4; text-decoration: none; }
header a.here { color: #fff; font-weight: 600; }
header .brand { font-weight: 700; color: #fff; }
header .mode { margin-left: auto; font-size: 0.85rem; color: #cfd6e4; }
main { padding: 1rem 1.2rem; }
h1 { font-size: 1.3rem; margin: 0 0 0.6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #e3e6eb; vertical-align: top; overflow-wrap: anywhere; }
th { font-weight: 600; font-size: 0.85rem; color: #55607a; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; background: #fff; padding: 0.6rem; margin: 0; }
dl.facts dt { color: #55607a; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
svg.bar { width: 100%; min-width: 8rem; height: 0.8rem; display: block; background: #e3e6eb; }
svg.chart { width: 100%; height: 8rem; display: block; background: #fff; border: 1px solid #e3e6eb; }
.sent { fill: #2f9e44; } .failed { fill: #e03131; } .cancelled { fill: #868e96; } .remaining { fill: #e3e6eb; }
.calls { fill: #3b5bdb; } .cap { stroke: #e03131; stroke-width: 1.5; } .limit { stroke: #f08c00; stroke-width: 1.5; stroke-dasharray: 4 3; }
th, td.num { white-space: nowrap; }
.key-sent { color: #2f9e44; } .key-failed { color: #e03131; } .key-cancelled { color: #868e96; }
.state { font-weight: 600; }
.actions { display: flex; gap: 0.5rem; flex-wrap: wrap; margin: 0.6rem 0; }
.actions form { margin: 0; }
button { font: inherit; padding: 0.3rem 0.9rem; border: 1px solid #55607a; background: #fff; border-radius: 4px; cursor: pointer; }
button.danger { border-color: #e03131; color: #e03131; }
.flash { padding: 0.5rem 0.8rem; margin-bottom: 0.8rem; background: #e6fcf5; border: 1px solid #63e6be; }
.flash.error { background: #fff5f5; border-color: #ffa8a8; }
pre { background: #fff; padding: 0.6rem; overflow-x: auto; border: 1px solid #e3e6eb; margin: 0; }
.muted { color: #55607a; }
`;

/** Polls the page's live part once a second (never two requests at once); asks before a cancel. */
export const CONSOLE_JS = `
'use strict';
const live = document.querySelector('[data-live]');
if (live) {
  let last = '';
  const refresh = async () => {
    try {
      const response = await fetch(live.dataset.live, { headers: { accept: 'text/html' }, cache: 'no-store' });
      if (response.ok) {
        const text = await response.text();
        if (text !== last) {
          live.innerHTML = text;
          last = text;
        }
      }
    } catch (error) {
      // The next poll tries again.
    }
    setTimeout(refresh, 1000);
  };
  setTimeout(refresh, 1000);
}
document.addEventListener('submit', (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
`;
