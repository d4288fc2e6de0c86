// Drawing on a canvas with a pen: pointer events cover mouse, touch and pen alike. The digit pad and the number canvas
// both draw with it; `onDown` marks the start of each stroke, `onMove` follows each segment drawn, `onLift` its end.
export function attachPen(canvas, { lineWidth, onDown = () => {}, onMove = () => {}, onLift }) {
  const ctx = canvas.getContext('2d');
  let drawing = false;
  let last = null;
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  const stroke = (a, b) => {
    ctx.strokeStyle = '#111';
    ctx.lineWidth = lineWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    stroke(last, last);
    onDown();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = point(e);
    stroke(last, p);
    last = p;
    onMove();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onLift();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}

// The PNG of what is on a canvas now. Not canvas.toBlob: Chromium encodes it in idle time, up to a second later after a
// slow stroke, and the page showed the answer for the half-drawn picture meanwhile. toDataURL encodes at once.
export function canvasPng(canvas) {
  const base64 = canvas.toDataURL('image/png').slice('data:image/png;base64,'.length);
  return new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: 'image/png' });
}
