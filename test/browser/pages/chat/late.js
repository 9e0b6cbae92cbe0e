// The widget arrives well after the snippet, as chat widgets usually do (they are big and lazy).
window.__site = [];
window.loadWidgetLater = (name, onload) =>
  setTimeout(() => {
    const script = document.createElement("script");
    script.src = `widgets/${name}.js`;
    script.onload = onload || null;
    document.head.append(script);
  }, 1200);
