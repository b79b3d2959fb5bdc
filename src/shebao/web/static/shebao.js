// shebao: small progressive enhancements; every page works without them.
"use strict";

// A form marked data-upload-progress sends its file with XMLHttpRequest so that the named
// <progress> shows the upload; the answer replaces the page as a normal submit would.
document.querySelectorAll("form[data-upload-progress]").forEach((form) => {
  const bar = document.getElementById(form.dataset.uploadProgress);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open(form.method, form.action);
    request.upload.addEventListener("progress", (step) => {
      if (step.lengthComputable) {
        bar.value = Math.round((100 * step.loaded) / step.total);
        bar.textContent = bar.value + "%";
      }
    });
    request.addEventListener("load", () => {
      bar.value = 100;
      if (request.status < 400 && request.responseURL) {
        window.location.assign(request.responseURL);
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.send(new FormData(form));
  });
});

// Buttons marked data-print print the page (statements and receipts).
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

// A form marked data-busy-progress shows its (indeterminate) <progress> and label while the
// next page is computed, e.g. a projection of many trajectories.
document.querySelectorAll("form[data-busy-progress]").forEach((form) => {
  const bar = document.getElementById(form.dataset.busyProgress);
  form.addEventListener("submit", () => {
    bar.hidden = false;
    const label = form.querySelector(`label[for="${bar.id}"]`);
    if (label) label.hidden = false;
  });
});
