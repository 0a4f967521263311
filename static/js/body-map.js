// The body outline on a safeguarding concern: tapping a region ticks its checkbox (which the form
// sends and autosaves) and shows a mark there. The checkboxes are the form; this is a picture of them.
for (const map of document.querySelectorAll("[data-app-body-map]")) {
  map.classList.add("app-body-map--enhanced");
  const boxFor = (region) => map.querySelector(`input[type="checkbox"][value="${CSS.escape(region)}"]`);
  const show = (region, on) => {
    const shape = map.querySelector(`[data-region="${CSS.escape(region)}"]`);
    if (shape) shape.classList.toggle("is-marked", on);
  };
  map.querySelectorAll("[data-region]").forEach((shape) => {
    shape.addEventListener("click", () => {
      const box = boxFor(shape.dataset.region);
      if (!box) return;
      box.checked = !box.checked;
      show(shape.dataset.region, box.checked);
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  map.addEventListener("change", (event) => {
    if (event.target.matches('input[type="checkbox"]')) show(event.target.value, event.target.checked);
  });
}
