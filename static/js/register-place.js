// Registration: propose the province and district from characters 3–8 of the credit code (GB/T 2260) while it
// is typed. A value the applicant chose is never overwritten; the server checks and names the place.
(function () {
  var code = document.getElementById("id_credit_code");
  var region = document.getElementById("id_region");
  var division = document.getElementById("id_division");
  if (!code || !region || !division) return;
  function ours(field) { return !field.value || field.dataset.proposed === "1"; }
  function propose(field, value) { field.value = value; field.dataset.proposed = "1"; }
  region.addEventListener("change", function () { region.dataset.proposed = ""; });
  division.addEventListener("input", function () { division.dataset.proposed = ""; });
  code.addEventListener("input", function () {
    var place = code.value.replace(/\s+/g, "").slice(2, 8);
    if (!/^\d{6}$/.test(place)) return;
    var province = place.slice(0, 2);
    if (ours(region) && region.querySelector('option[value="' + province + '"]')) propose(region, province);
    if (ours(division) && region.value === province) propose(division, place);
  });
})();
