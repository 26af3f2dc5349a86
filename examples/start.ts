/**
 * The main job (`npm start`). Until the local platform lands, it explains how to run the examples.
 */
console.log(`effect-agent-platform

The examples in examples/ run against an Agent Platform:
  AP_API_KEY=... AP_BASE_URL=https://api.agentplatform.cloud/v1 npx tsx examples/wait.ts
  AP_API_KEY=... npx tsx examples/stream.ts
  AP_API_KEY=... npx tsx examples/action.ts
The tests need no key: npm test`)
