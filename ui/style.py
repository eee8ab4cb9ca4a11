"""The page's CSS, and the script that takes a click on a citation marker to its source card and
keeps the waiting time of a running question ticking."""

CSS = """
#sources { max-height: 78vh; overflow-y: auto; position: sticky; top: 8px; }
.ra-legend { font-size: .8em; margin: 0 0 6px; }
.ra-sources .ra-for { display: block; font-weight: 600; margin: 4px 0 6px; }
.ra-sources details > summary { cursor: pointer; color: var(--body-text-color-subdued); }
.ra-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
           margin: 0 0 8px; background: var(--background-fill-primary); scroll-margin: 12px;
           transition: box-shadow .3s, border-color .3s; }
.ra-card:target, .ra-card.ra-flash { border-color: #f59e0b; box-shadow: 0 0 0 3px rgba(245,158,11,.45); }
.ra-card-head { font-weight: 600; }
.ra-num { color: #2563eb; }
.ra-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: 2px 0 4px; }
.ra-abstract { font-size: .9em; line-height: 1.45; margin: 4px 0 0; }
.ra-score { font-size: .8em; font-weight: 400; color: var(--body-text-color-subdued); }
mark.ra-support { background: #bbf7d0; color: inherit; padding: 0 2px; border-radius: 3px; }
mark.ra-match { background: #fef08a; color: inherit; padding: 0 2px; border-radius: 3px; }
.ra-badge { display: inline-block; font-size: .72em; font-weight: 600; padding: 1px 7px;
            border-radius: 999px; vertical-align: middle; }
.ra-badge-supported { background: #dcfce7; color: #166534; }
.ra-badge-weak { background: #fef3c7; color: #92400e; }
.ra-badge-not-cited { background: #e5e7eb; color: #374151; }
a.ra-cite { color: #2563eb; font-weight: 600; text-decoration: none; cursor: pointer; }
a.ra-cite:hover { text-decoration: underline; }
.ra-sent.ra-weak { text-decoration: underline dotted #d97706; text-underline-offset: 3px; }
.ra-sent.ra-uncited { background: rgba(156,163,175,.18); font-style: italic; }
.ra-flag { font-size: .7em; color: #6b7280; margin-left: 2px; font-style: normal; }
.ra-cited { margin-top: 6px; font-size: .85em; color: var(--body-text-color-subdued); }
.ra-abstain { border-left: 4px solid #f59e0b; padding-left: 8px; }
.ra-abstain ol { margin: 4px 0 0 18px; }
.ra-reason { color: var(--body-text-color-subdued); font-size: .9em; }
.ra-error { color: #b91c1c; }
.ra-note { color: var(--body-text-color-subdued); }
.ra-status { color: var(--body-text-color-subdued); font-style: italic; }
.ra-spinner { display: inline-block; width: .8em; height: .8em; margin-right: 6px; border-radius: 50%;
              border: 2px solid #9ca3af; border-top-color: transparent; animation: ra-spin .8s linear infinite; }
@keyframes ra-spin { to { transform: rotate(360deg); } }
.ra-cursor { animation: ra-blink 1s steps(1) infinite; }
@keyframes ra-blink { 50% { opacity: 0; } }
.ra-quote { margin: 4px 0 6px; padding: 2px 0 2px 10px; border-left: 3px solid #93c5fd;
            color: var(--body-text-color); font-size: .95em; }
.ra-evidence { border: 1px dashed var(--border-color-primary); border-radius: 8px; padding: 6px 10px;
               margin-bottom: 8px; font-size: .92em; }
.ra-evidence-head { font-weight: 600; font-size: .85em; color: var(--body-text-color-subdued); }
.ra-evidence ul, .ra-answer ul { margin: 4px 0 4px 18px; }
.ra-table { border-collapse: collapse; font-size: .88em; margin: 6px 0; }
.ra-table td, .ra-table th { border: 1px solid var(--border-color-primary); padding: 4px 6px;
                             vertical-align: top; text-align: left; }
.ra-table tbody th { white-space: nowrap; }
.ra-queued { color: var(--body-text-color-subdued); font-style: italic; }
.ra-stopped { border-left: 4px solid #9ca3af; padding-left: 8px; }
.ra-draft { margin-top: 6px; color: var(--body-text-color-subdued); }
.ra-draft > summary { cursor: pointer; font-size: .9em; }
.ra-elapsed { font-style: normal; font-variant-numeric: tabular-nums; margin-left: 4px; }
.ra-metrics td { font-variant-numeric: tabular-nums; white-space: nowrap; }
.ra-plot { margin: 0 0 16px; }
.ra-plot img { display: block; max-width: 100%; height: auto; border: 1px solid var(--border-color-primary); }
.ra-plot figcaption { font-size: .85em; color: var(--body-text-color-subdued); }
#evals-report img { max-width: 100%; height: auto; }
.ra-skipped { border-collapse: collapse; font-size: .9em; }
.ra-skipped td, .ra-skipped th { border: 1px solid var(--border-color-primary); padding: 2px 8px; text-align: left; }
"""

# Delegated, in the capture phase: chat messages are re-rendered on every streamed token.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a.ra-cite') : null;
    if (!link) return;
    const id = (link.getAttribute('href') || '').replace(/^#/, '');
    const card = id && document.getElementById(id);
    if (!card) return;
    event.preventDefault();
    event.stopPropagation();
    const fold = card.closest('details');
    if (fold) fold.open = true;
    document.querySelectorAll('.ra-card.ra-flash').forEach((c) => c.classList.remove('ra-flash'));
    card.classList.add('ra-flash');
    card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    history.replaceState(null, '', '#' + id);
  }, true);
  // the bubble is re-rendered on every update, so the start is kept per question (ra-key-*);
  // ra-at-* is the server's count when it rendered, so the two clocks need not agree
  const started = {};
  const token = (el, prefix) => [...el.classList].find((c) => c.startsWith(prefix))?.slice(prefix.length);
  setInterval(() => {
    document.querySelectorAll('.ra-elapsed').forEach((el) => {
      const key = token(el, 'ra-key-');
      if (!key) return;
      if (!(key in started)) started[key] = Date.now() - 1000 * Number(token(el, 'ra-at-') || 0);
      el.textContent = Math.floor((Date.now() - started[key]) / 1000) + ' s';
    });
  }, 1000);
}
"""
