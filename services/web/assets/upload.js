/*
 * The upload form's progress bar. Without this script the form posts as it is and the report
 * page answers; with it, the same POST is sent from the page so that the bytes sent can be
 * shown, and the browser then goes where the form would have gone (the report, or the form
 * again with its problem).
 */
(function () {
  'use strict';
  var form = document.querySelector('form[data-upload]');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var box = form.querySelector('.upload-progress');
  var bar = box.querySelector('progress');
  var words = box.querySelector('.upload-progress__words');
  var file = form.querySelector('input[type=file]');
  var button = form.querySelector('button[type=submit]');

  form.addEventListener('submit', function (event) {
    var chosen = file.files && file.files[0];
    var limit = Number(file.getAttribute('data-limit-bytes'));
    // A file too large, or none, is left to the server, which says why on the page.
    if (!chosen || (limit && chosen.size > limit)) return;
    event.preventDefault();
    var request = new XMLHttpRequest();
    box.hidden = false;
    button.disabled = true;
    request.upload.addEventListener('progress', function (progress) {
      if (!progress.lengthComputable) return;
      var percent = Math.round((progress.loaded / progress.total) * 100);
      bar.value = percent;
      words.textContent = percent < 100 ? percent + '% sent' : 'Sent: checking the rows…';
    });
    request.addEventListener('load', function () {
      if (request.status === 200 && request.responseURL) {
        window.location.assign(request.responseURL);
        return;
      }
      var answer = new DOMParser().parseFromString(request.responseText, 'text/html');
      document.replaceChild(document.adoptNode(answer.documentElement), document.documentElement);
    });
    request.addEventListener('error', function () {
      words.textContent = 'The upload failed: check the connection and send the file again.';
      button.disabled = false;
    });
    request.open('POST', form.action);
    request.send(new FormData(form));
  });
})();
