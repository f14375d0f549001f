// Registration: propose the province and district from characters 3–8 of the credit code (GB/T 2260),
// without overwriting what the applicant chose. The server checks and names the place; this only saves typing.
(function () {
  var code = document.getElementById("id_credit_code");
  var region = document.getElementById("id_region");
  var division = document.getElementById("id_division");
  if (!code || !region || !division) return;
  code.addEventListener("change", function () {
    var value = code.value.replace(/\s+/g, "").toUpperCase();
    var place = value.slice(2, 8);
    if (value.length < 8 || !/^\d{6}$/.test(place)) return;
    if (!region.value && region.querySelector('option[value="' + place.slice(0, 2) + '"]')) {
      region.value = place.slice(0, 2);
    }
    if (!division.value && region.value === place.slice(0, 2)) division.value = place;
  });
})();
