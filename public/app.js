// The draw-a-digit page: strokes on a canvas, debounced calls to POST /predict?debug=1, probabilities as bars.
import { attachPen, canvasPng } from './pen.js';
const pad = document.getElementById('pad');
const ctx = pad.getContext('2d');
const bars = document.getElementById('bars');
const digitEl = document.getElementById('digit');
const confidenceEl = document.getElementById('confidence');
const seen = document.getElementById('seen');
const message = document.getElementById('message');
const asNumber = document.getElementById('as-number');

for (let d = 0; d < 10; d++) {
  bars.insertAdjacentHTML(
    'beforeend',
    `<li data-digit="${d}"><span>${d}</span><div class="bar"><span></span></div><span class="p">0.0%</span></li>`,
  );
}

function clearPad() {
  latest++; // an answer still on its way is for the drawing just cleared
  clearTimeout(timer);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
  showDigit('–', '');
  // A picture, not an img without src (browsers draw a broken-image icon for that).
  seen.src = '/seen-empty.svg';
  showBars(new Array(10).fill(0), -1);
  asNumber.hidden = true;
  say('Draw a digit in the box, or upload a picture of one.');
}

function showDigit(text, confidence) {
  digitEl.textContent = text;
  digitEl.classList.toggle('idle', text === '–');
  confidenceEl.textContent = confidence;
}

function say(text, isError = false) {
  message.textContent = text;
  message.classList.toggle('error', isError);
}

function showBars(probabilities, winner) {
  bars.querySelectorAll('li').forEach((li, d) => {
    li.classList.toggle('win', d === winner);
    li.style.setProperty('--p', `${(100 * probabilities[d]).toFixed(1)}%`); // a bar's width, or its height on a phone
    li.querySelector('.p').textContent = `${(100 * probabilities[d]).toFixed(1)}%`;
  });
}

// Every request gets a number; an answer to any but the newest one is dropped, so the page never shows the answer for
// an older drawing after a newer one was sent (answers can come back out of order).
let latest = 0;
async function predict(blob) {
  const id = ++latest;
  asNumber.hidden = true;
  try {
    const res = await fetch('/predict?debug=1', { method: 'POST', headers: { 'content-type': blob.type || 'image/png' }, body: blob });
    const body = await res.json();
    if (id !== latest) return;
    if (!res.ok) {
      const hint = body.error?.code === 'no_digit_found' ? 'No digit yet: draw one.' : (body.error?.message ?? `error ${res.status}`);
      return say(hint, body.error?.code !== 'no_digit_found');
    }
    showDigit(String(body.digit), `${(100 * body.confidence).toFixed(1)}% sure`);
    seen.src = body.input;
    showBars(body.probabilities, body.digit);
    document.getElementById('provider').textContent = body.executionProvider;
    say(body.hint ? `This looks like several digits: this side reads one.` : `Model ${body.model.name} ${body.model.version}`);
    // The service says the picture holds a line of digits (its `hint`): offer to read it as a number instead.
    asNumber.hidden = !body.hint;
    asNumber.onclick = () => document.dispatchEvent(new CustomEvent('read-as-number', { detail: blob }));
  } catch (err) {
    if (id === latest) say(`The service did not answer: ${err.message}`, true);
  }
}

let timer = null;
function predictSoon(delay = 120) {
  clearTimeout(timer);
  timer = setTimeout(() => predict(canvasPng(pad)), delay);
}

attachPen(pad, { lineWidth: 20, onMove: () => predictSoon(), onLift: () => predictSoon(0) });

document.getElementById('clear').addEventListener('click', clearPad);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') clearPad();
});
document.getElementById('file').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  if (!file) return;
  const img = new Image();
  img.onload = () => {
    // Show the upload on the pad too, fitted, so people see what they sent.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    const s = Math.min(pad.width / img.width, pad.height / img.height);
    ctx.drawImage(img, (pad.width - img.width * s) / 2, (pad.height - img.height * s) / 2, img.width * s, img.height * s);
    URL.revokeObjectURL(img.src);
  };
  img.src = URL.createObjectURL(file);
  predict(file);
  e.target.value = '';
});

clearPad();
fetch('/health/ready')
  .then((r) => r.json())
  .then((b) => b.executionProvider && (document.getElementById('provider').textContent = b.executionProvider))
  .catch(() => {});
