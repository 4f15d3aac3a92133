// Run once by the `mongo-init` service of docker-compose.yml: makes the one-node replica set
// `rs0` (transactions and change streams need a replica set), unless it exists already.
try {
  rs.status();
  print("syncapi: replica set rs0 already initiated");
} catch (error) {
  if (error.codeName !== "NotYetInitialized") throw error;
  rs.initiate({ _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] });
  print("syncapi: replica set rs0 initiated");
}
