/**
 * The reliability suite: each test class runs real worker processes against a real PostgreSQL, records every
 * side effect in a ledger table with the database clock, prints one summary line with its figures and its random
 * seed, and fails on any violation.
 */
package io.github.dbosspring.reliability;
