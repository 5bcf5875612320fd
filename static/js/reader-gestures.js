// Touch gestures and link safety for the PDF reader (static/js/reader.js).

// Pinch to zoom (previewed with a CSS transform, rendered once at the end) and horizontal swipe
// to turn pages when the page fits the screen width.
export function setupTouch(container, viewer, go, leaveFitWidth) {
  const inner = viewer.viewer;
  let pinch = null;
  let swipe = null;
  const dist = (t) => Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
  container.addEventListener(
    'touchstart',
    (e) => {
      if (e.touches.length === 2) {
        pinch = { d: dist(e.touches), scale: viewer.currentScale, ratio: 1 };
        swipe = null;
      } else if (e.touches.length === 1) swipe = { x: e.touches[0].clientX, y: e.touches[0].clientY, t: Date.now() };
    },
    { passive: true },
  );
  const fits = () => container.scrollWidth <= container.clientWidth + 2;
  container.addEventListener(
    'touchmove',
    (e) => {
      if (swipe && e.touches.length === 1) {
        // A sideways move on a page that fits the width is ours (a page turn): without this the
        // browser may take it as "swipe back in history" and leave the book.
        const dx = e.touches[0].clientX - swipe.x;
        const dy = e.touches[0].clientY - swipe.y;
        if (fits() && Math.abs(dx) > Math.abs(dy) && e.cancelable) e.preventDefault();
        return;
      }
      if (!pinch || e.touches.length !== 2) return;
      e.preventDefault();
      pinch.ratio = Math.min(Math.max(dist(e.touches) / pinch.d, 0.5 / pinch.scale), 5 / pinch.scale);
      inner.style.transform = `scale(${pinch.ratio})`;
    },
    { passive: false },
  );
  container.addEventListener('touchend', (e) => {
    if (pinch && e.touches.length < 2) {
      inner.style.transform = '';
      if (Math.abs(pinch.ratio - 1) > 0.05) {
        leaveFitWidth();
        viewer.currentScale = pinch.scale * pinch.ratio;
      }
      pinch = null;
      return;
    }
    if (!swipe || !e.changedTouches.length) return;
    const dx = e.changedTouches[0].clientX - swipe.x;
    const dy = e.changedTouches[0].clientY - swipe.y;
    if (fits() && Date.now() - swipe.t < 600 && Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy))
      go(viewer.currentPageNumber + (dx < 0 ? 1 : -1));
    swipe = null;
  });
}

// Links inside untrusted PDFs: internal destinations work as usual; anything leaving the
// library asks first, and opens without giving the target page access to the reader.
export function setupExternalLinks(container, confirmOpen) {
  container.addEventListener(
    'click',
    (e) => {
      const a = e.target.closest('.annotationLayer a[href]');
      if (!a) return;
      const url = new URL(a.href, location.href);
      if (url.origin === location.origin && url.pathname === location.pathname) return;
      e.preventDefault();
      e.stopPropagation();
      if (!/^(https?|mailto):$/.test(url.protocol)) return;
      if (confirmOpen(url.href)) window.open(url.href, '_blank', 'noopener,noreferrer');
    },
    true,
  );
}
