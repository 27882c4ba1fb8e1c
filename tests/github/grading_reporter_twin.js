// A twin of GitHub Classroom's grading reporter (classroom-resources/
// autograding-grading-reporter@v1), written from its documented behaviour for the
// grader's own tests: that action is not published on a package registry, so it
// cannot be fetched here. What it reproduces is what decides the grade:
//   - the `runners` input (INPUT_RUNNERS) names the grading steps, comma or space
//     separated; each step's result is read from the variable <RUNNER>_RESULTS,
//     base64 of a JSON document;
//   - a document without `max_score` counts for nothing; otherwise its max_score is
//     added to the maximum and each test's `score` to the total, as plain JavaScript
//     numbers in order;
//   - the grade is printed as a notice "Points <total>/<max>" with JavaScript's own
//     number formatting, and the step fails when any document says fail or error.
// Set LABGRADE_CLASSROOM_REPORTER to a checkout's dist/index.js to run the real one.
"use strict";

const runners = (process.env.INPUT_RUNNERS || "").split(/[\s,]/).filter(Boolean);
const documents = runners.map((runner) => {
  const encoded = process.env[`${runner.trim().toUpperCase()}_RESULTS`];
  return JSON.parse(Buffer.from(encoded, "base64").toString("utf-8"));
});

let total = 0;
let maximum = 0;
for (const document of documents) {
  if (!document.max_score) continue;
  maximum += document.max_score;
  for (const test of document.tests) total += test.score;
}
if (maximum) {
  console.log(`::notice title=Autograding complete::Points ${total}/${maximum}`);
}
const failed = documents.some((d) => d.status === "fail" || d.status === "error");
process.exitCode = failed ? 1 : 0;
