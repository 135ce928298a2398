-- inbox-service owns this database alone. Later migrations add its tables; none is ever edited.
COMMENT ON SCHEMA public IS 'Pullmail inbox-service';
