DROP TABLE coin_logos;
