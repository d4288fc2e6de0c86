// The page's number mode: write a whole number on a wide canvas, or upload a picture of one; POST /read?debug=1 answers
// the string, and each digit found is boxed on the canvas with its confidence. Kept apart from app.js (the one-digit mode).
import { attachPen, canvasPng } from './pen.js';
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

function showReading(text, confidence) {
  textEl.textContent = text;
  textEl.classList.toggle('idle', text === '–');
  textEl.classList.remove('stale');
  confidenceEl.textContent = confidence;
}

// Every request gets a ticket; only the answer to the newest one is shown, and only while the canvas still holds what
// was sent: a new stroke or a clear takes a ticket too, so an answer on its way for the older picture is dropped.
let latest = 0;
// Where the picture sent sits on the canvas (an upload is fitted into it), to draw the answer's boxes over it.
let placed = { scale: 1, dx: 0, dy: 0 };

function clearWide() {
  latest++;
  placed = { scale: 1, dx: 0, dy: 0 };
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, wide.width, wide.height);
  overlay.clearRect(0, 0, wide.width, wide.height);
  showReading('–', '');
  say('Write a number (a zip code, an amount) on one line, or upload a picture of one.');
}

function showBoxes(digits) {
  overlay.clearRect(0, 0, wide.width, wide.height);
  overlay.lineWidth = 2;
  overlay.font = '600 15px system-ui, sans-serif';
  const { scale, dx, dy } = placed;
  for (const { digit, confidence, box } of digits) {
    const [x, y, w, h] = [dx + box.x * scale, dy + box.y * scale, box.width * scale, box.height * scale];
    overlay.strokeStyle = confidence >= 0.9 ? '#2f6fde' : '#c62828';
    overlay.strokeRect(x - 3, y - 3, w + 6, h + 6);
    overlay.fillStyle = overlay.strokeStyle;
    overlay.fillText(`${digit} · ${(100 * confidence).toFixed(0)}%`, x - 3, Math.max(14, y - 8));
  }
}

async function read(blob) {
  const ticket = ++latest;
  try {
    const res = await fetch('/read?debug=1', {
      method: 'POST',
      headers: { 'content-type': blob.type || 'application/octet-stream' },
      body: blob,
    });
    const body = await res.json();
    if (ticket !== latest) return;
    if (!res.ok) {
      overlay.clearRect(0, 0, wide.width, wide.height);
      showReading('–', '');
      const noDigit = body.error?.code === 'no_digit_found';
      return say(noDigit ? 'No number yet: write one.' : (body.error?.message ?? `error ${res.status}`), !noDigit);
    }
    // combined's 0 is not a probability: its two readers read the picture differently (the answer is the likelier one).
    const disagree = body.reader === 'combined' && body.confidence === 0;
    showReading(
      body.text,
      disagree ? 'The two readers disagree: check this reading' : `${(100 * body.confidence).toFixed(1)}% sure of the whole number`,
    );
    showBoxes(body.digits);
    say(`${body.digits.length} digit${body.digits.length === 1 ? '' : 's'} · model ${body.model.name} ${body.model.version}`);
  } catch (err) {
    if (ticket === latest) say(`The service did not answer: ${err.message}`, true);
  }
}

attachPen(wide, {
  lineWidth: 14,
  // The boxes and the reading were for the picture before this stroke: drop them, and any answer still on its way.
  onDown: () => {
    latest++;
    overlay.clearRect(0, 0, wide.width, wide.height);
    textEl.classList.add('stale');
  },
  onLift: () => read(canvasPng(wide)),
});
document.getElementById('wide-clear').addEventListener('click', clearWide);

/** Shows a picture fitted on the canvas and reads the picture itself (not the canvas's smaller copy of it). */
function readPicture(blob) {
  clearWide();
  const img = new Image();
  img.onload = () => {
    const scale = Math.min(wide.width / img.naturalWidth, wide.height / img.naturalHeight);
    placed = { scale, dx: (wide.width - img.naturalWidth * scale) / 2, dy: (wide.height - img.naturalHeight * scale) / 2 };
    ctx.drawImage(img, placed.dx, placed.dy, img.naturalWidth * scale, img.naturalHeight * scale);
    URL.revokeObjectURL(img.src);
    read(blob);
  };
  // A format the browser cannot show (TIFF): the service still reads it; there is only nothing to draw the boxes on.
  img.onerror = () => {
    URL.revokeObjectURL(img.src);
    read(blob).then(() => overlay.clearRect(0, 0, wide.width, wide.height));
  };
  img.src = URL.createObjectURL(blob);
}

document.getElementById('wide-file').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  if (file) readPicture(file);
  e.target.value = '';
});
// The digit side found several digits in a picture and the user chose to read it as a number (app.js).
document.addEventListener('read-as-number', (e) => {
  setMode('number');
  readPicture(e.detail);
});

clearWide();
