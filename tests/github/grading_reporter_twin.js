// A twin of GitHub Classroom's grading reporter (classroom-resources/
// autograding-grading-reporter@v1), written from its source (src/main.js,
// console-results.js, notify-classroom.js) for the grader's own tests: that action
// is not published on a package registry, so it cannot be fetched here. What it
// reproduces is what a student and Classroom see:
//   - the `runners` input (INPUT_RUNNERS) names the grading steps, comma separated;
//     each step's result is read from the variable <RUNNER>_RESULTS, base64 of a JSON
//     document; a step that wrote no output makes the reporter fail with its own,
//     unrelated message ("The runners input must be a comma-separated list of
//     strings."), which is why every labgrade exit under --github writes one;
//   - every test is printed with its name, and a test that did not pass with
//     "Error: <message>" (or "Failed to run test '<name>'" when it has none);
//   - a document without `max_score` counts for nothing; otherwise its max_score is
//     added to the maximum and each test's `score` to the total, as plain JavaScript
//     numbers in order, and the grade is "Points <total>/<max>" in JavaScript's own
//     number formatting;
//   - the step fails when any document says fail or error.
// Set LABGRADE_CLASSROOM_REPORTER to a checkout's dist/index.js to run the real one.
"use strict";

function parseRunnerResults(runners) {
  try {
    return runners.split(",").map((runner) => {
      const encoded = process.env[`${runner.trim().toUpperCase()}_RESULTS`];
      const json = Buffer.from(encoded, "base64").toString("utf-8");
      return { runner: runner.trim(), results: JSON.parse(json) };
    });
  } catch (error) {
    throw new Error("The runners input must be a comma-separated list of strings.");
  }
}

function main() {
  const runnerResults = parseRunnerResults(process.env.INPUT_RUNNERS || "");
  let total = 0;
  let maximum = 0;
  for (const { runner, results } of runnerResults) {
    console.log(`Processing: ${runner}`);
    for (const test of results.tests) {
      if (test.status === "pass") {
        console.log(`✅ ${test.name}`);
      } else {
        console.log(`❌ ${test.name}`);
        console.log(`Error: ${test.message || `Failed to run test '${test.name}'`}`);
      }
    }
    if (!results.max_score) continue;
    maximum += results.max_score;
    for (const test of results.tests) total += test.score;
  }
  console.log(`Total points: ${total}/${maximum}`);
  if (maximum) {
    console.log(`::notice title=Autograding complete::Points ${total}/${maximum}`);
  }
  if (runnerResults.some((r) => r.results.status === "fail")) {
    console.log("::error::Some tests failed.");
    process.exitCode = 1;
  } else if (runnerResults.some((r) => r.results.status === "error")) {
    console.log("::error::Some tests errored.");
    process.exitCode = 1;
  }
}

try {
  main();
} catch (error) {
  console.log(`::error::${error.message}`);
  process.exitCode = 1;
}
