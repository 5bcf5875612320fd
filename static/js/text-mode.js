// Text mode for tired eyes: bigger text, wider line spacing and night colours, remembered on this
// phone (localStorage, nothing sent). Without JavaScript the page reads as it is.
const $ = (id) => document.getElementById(id);
const text = $('page-text');
const tools = $('text-tools');
const KEY = 'tvs.textMode';
const SCALES = [0.9, 1, 1.15, 1.3, 1.5, 1.75, 2];

let prefs = { scale: 1, leading: false, night: false };
try {
  prefs = { ...prefs, ...JSON.parse(localStorage.getItem(KEY) || '{}') };
} catch {
  /* unreadable: defaults */
}
if (!SCALES.includes(prefs.scale)) prefs.scale = 1;

function apply() {
  text.style.setProperty('--text-scale', String(prefs.scale));
  text.style.setProperty('--text-leading', prefs.leading ? '2.1' : '1.7');
  document.body.classList.toggle('night', prefs.night);
  $('text-leading').setAttribute('aria-pressed', String(prefs.leading));
  $('text-night').setAttribute('aria-pressed', String(prefs.night));
  $('text-smaller').disabled = prefs.scale <= SCALES[0];
  $('text-larger').disabled = prefs.scale >= SCALES[SCALES.length - 1];
}
function save() {
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    /* private mode: for this page only */
  }
  apply();
}
const step = (d) => {
  prefs.scale = SCALES[Math.min(SCALES.length - 1, Math.max(0, SCALES.indexOf(prefs.scale) + d))];
  save();
};

if (text && tools) {
  tools.hidden = false;
  $('text-smaller').addEventListener('click', () => step(-1));
  $('text-larger').addEventListener('click', () => step(1));
  $('text-leading').addEventListener('click', () => ((prefs.leading = !prefs.leading), save()));
  $('text-night').addEventListener('click', () => ((prefs.night = !prefs.night), save()));
  apply();
}
