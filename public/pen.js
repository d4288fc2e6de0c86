// Drawing on a canvas with a pen: pointer events cover mouse, touch and pen alike. The digit pad and the number canvas
// both draw with it; `onMove` follows each segment drawn, `onLift` the end of each stroke.
export function attachPen(canvas, { lineWidth, onMove = () => {}, onLift }) {
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
