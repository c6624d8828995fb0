// Reads the profile the page embeds as JSON (data-profile) and shows a one-line summary.
(function () {
  var el = document.getElementById("profile");
  if (!el) { return; }
  var profile;
  try {
    profile = JSON.parse(el.dataset.profile);
  } catch (e) {
    return;
  }
  el.textContent = (profile.display_name || profile.username) + (profile.website ? " has a website" : "");
})();
