DROP TABLE long_tail_coins;
DROP TABLE coin_list;
DROP TABLE api_calls;
DROP TABLE refresh_log;
