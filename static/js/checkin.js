/* Check-in with the phone's location: fill the hidden latitude/longitude, then submit.
   Without JavaScript or a location the form still posts (the station code field is the fallback). */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("form[data-geo]") || form.dataset.located || !navigator.geolocation) { return; }
  if (form.querySelector("[name=station_code]") && form.querySelector("[name=station_code]").value) { return; }
  event.preventDefault();
  var done = function () { form.dataset.located = "1"; form.submit(); };
  navigator.geolocation.getCurrentPosition(function (pos) {
    form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
    form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
    done();
  }, done, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
});
