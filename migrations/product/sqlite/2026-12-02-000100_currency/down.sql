DROP TABLE currency_preferences;
DROP TABLE exchange_rates;
