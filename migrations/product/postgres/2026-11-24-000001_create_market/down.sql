DROP TABLE watchlist;
DROP TABLE chart_cache;
DROP TABLE price_points;
DROP TABLE feed_state;
DROP TABLE coins;
