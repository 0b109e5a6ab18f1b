// Verify one webhook delivery with the Standard Webhooks reference library (npm
// `standardwebhooks`, from tests/browser/node_modules), as a receiver would. Reads
// {"secret", "headers", "body_base64"} as JSON on stdin; prints {"valid": true} or
// {"valid": false, "error": "..."}.
const path = require("node:path");
const { Webhook } = require(
  path.join(__dirname, "..", "browser", "node_modules", "standardwebhooks"),
);

let input = "";
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const testCase = JSON.parse(input);
  const body = Buffer.from(testCase.body_base64, "base64").toString("utf8");
  try {
    new Webhook(testCase.secret).verify(body, testCase.headers);
    console.log(JSON.stringify({ valid: true }));
  } catch (error) {
    console.log(JSON.stringify({ valid: false, error: String(error.message || error) }));
  }
});
