// Typesets every formula of the page with KaTeX, which the page loads from a local copy
// (never a CDN). The docs site writes math as \( .. \) and \[ .. \] (pymdownx.arithmatex);
// notebooks exported to HTML keep Jupyter's $ .. $ and $$ .. $$. Code is left alone.
(function () {
  "use strict";

  function typeset(root) {
    window.renderMathInElement(root, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false },
        { left: "$", right: "$", display: false },
      ],
      ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option"],
      throwOnError: false, // a formula KaTeX cannot parse is shown in red, with the reason
    });
  }

  // Material for MkDocs announces each page it shows on document$; elsewhere, wait for load.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { typeset(document.body); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { typeset(document.body); });
  } else {
    typeset(document.body);
  }
})();
