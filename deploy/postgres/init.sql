-- Databases beside `percolator` (created by POSTGRES_DB): the registry's storage and the test suite's.
CREATE DATABASE apicurio;
CREATE DATABASE percolator_test;
