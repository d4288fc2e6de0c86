// The page's number mode: write a whole number on a wide canvas; POST /read?debug=1 answers the string, and each digit
// found is boxed on the canvas with its confidence. Kept apart from app.js (the one-digit mode).
import { attachPen } from './pen.js';
const tabs = document.querySelectorAll('[data-mode]');
const section = document.getElementById('number');
const wide = document.getElementById('wide');
const ctx = wide.getContext('2d');
const overlay = document.getElementById('boxes').getContext('2d');
const textEl = document.getElementById('number-text');
const confidenceEl = document.getElementById('number-confidence');
const message = document.getElementById('number-message');

function setMode(mode) {
  document.body.classList.toggle('mode-number', mode === 'number');
  section.hidden = mode !== 'number';
  tabs.forEach((t) => t.setAttribute('aria-selected', String(t.dataset.mode === mode)));
}
tabs.forEach((t) => t.addEventListener('click', () => setMode(t.dataset.mode)));

function say(text, isError = false) {
  message.textContent = text;
  message.classList.toggle('error', isError);
}

function clearWide() {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, wide.width, wide.height);
  overlay.clearRect(0, 0, wide.width, wide.height);
  textEl.textContent = '–';
  confidenceEl.textContent = '';
  say('Write a number (a zip code, an amount) on one line.');
}

function showBoxes(digits) {
  overlay.clearRect(0, 0, wide.width, wide.height);
  overlay.lineWidth = 2;
  overlay.font = '600 15px system-ui, sans-serif';
  for (const { digit, confidence, box } of digits) {
    overlay.strokeStyle = confidence >= 0.9 ? '#2f6fde' : '#c62828';
    overlay.strokeRect(box.x - 3, box.y - 3, box.width + 6, box.height + 6);
    overlay.fillStyle = overlay.strokeStyle;
    overlay.fillText(`${digit} · ${(100 * confidence).toFixed(0)}%`, box.x - 3, Math.max(14, box.y - 8));
  }
}

// Only the answer to the latest drawing is shown: a slower, older answer arriving late is dropped.
let latest = 0;
async function read(blob) {
  const ticket = ++latest;
  try {
    const res = await fetch('/read?debug=1', { method: 'POST', headers: { 'content-type': 'image/png' }, body: blob });
    const body = await res.json();
    if (ticket !== latest) return;
    if (!res.ok) {
      overlay.clearRect(0, 0, wide.width, wide.height);
      textEl.textContent = '–';
      confidenceEl.textContent = '';
      return say(body.error?.code === 'no_digit_found' ? 'No number yet: write one.' : body.error?.message ?? `error ${res.status}`, body.error?.code !== 'no_digit_found');
    }
    textEl.textContent = body.text;
    confidenceEl.textContent = `${(100 * body.confidence).toFixed(1)}% sure of the whole number`;
    showBoxes(body.digits);
    say(`${body.digits.length} digit${body.digits.length === 1 ? '' : 's'} · model ${body.model.name} ${body.model.version}`);
  } catch (err) {
    if (ticket === latest) say(`The service did not answer: ${err.message}`, true);
  }
}

let timer = null;
function readSoon(delay = 150) {
  clearTimeout(timer);
  timer = setTimeout(() => wide.toBlob((blob) => blob && read(blob), 'image/png'), delay);
}

attachPen(wide, { lineWidth: 14, onLift: () => readSoon() });
document.getElementById('wide-clear').addEventListener('click', clearWide);

clearWide();
