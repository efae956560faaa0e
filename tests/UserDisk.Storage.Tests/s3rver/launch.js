'use strict';

// Starts s3rver for the tests (S3rverServer.cs):
//   node launch.js <s3rver package directory> <data directory> <bucket>
// Binds 127.0.0.1 on a port the kernel picks (no race for a "free" port), creates the bucket, and prints one line,
// "listening <port>", once requests are answered. It exits when its stdin closes, so a test run that dies never
// leaves a server behind.

const [modulePath, directory, bucket] = process.argv.slice(2);
if (!modulePath || !directory || !bucket) {
  console.error('usage: node launch.js <s3rver package directory> <data directory> <bucket>');
  process.exit(2);
}

const S3rver = require(modulePath);

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
});

server.run().then(
  ({ port }) => process.stdout.write(`listening ${port}\n`),
  err => {
    console.error(err);
    process.exit(1);
  },
);

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
