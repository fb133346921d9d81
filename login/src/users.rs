//! The users table: accounts with case-insensitively unique usernames and emails.

use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        username_key -> Text,
        email -> Text,
        email_key -> Text,
        password_hash -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    username: &'a str,
    username_key: &'a str,
    email: &'a str,
    email_key: &'a str,
    password_hash: &'a str,
    created_at: i64,
    updated_at: i64,
}

/// Which unique value is already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Username,
    Email,
}

fn now() -> i64 {
    shared_ui::format::now_unix()
}

pub fn taken(
    conn: &mut DbConnection,
    username_key: &str,
    email_key: &str,
) -> Result<Vec<Taken>, DbError> {
    let mut found = Vec::new();
    let name_hits: i64 = users::table
        .filter(users::username_key.eq(username_key))
        .count()
        .get_result(conn)?;
    if name_hits > 0 {
        found.push(Taken::Username);
    }
    let email_hits: i64 = users::table
        .filter(users::email_key.eq(email_key))
        .count()
        .get_result(conn)?;
    if email_hits > 0 {
        found.push(Taken::Email);
    }
    Ok(found)
}

pub enum Created {
    User(User),
    Taken(Vec<Taken>),
}

/// Inserts a user. A unique-index conflict (also from a concurrent registration) is reported
/// as which value was taken, not as an error.
pub fn create(
    conn: &mut DbConnection,
    username: &crate::domain::Username,
    email: &crate::domain::Email,
    password_hash: &str,
) -> Result<Created, DbError> {
    let (username_key, email_key) = (username.key(), email.key());
    let already = taken(conn, &username_key, &email_key)?;
    if !already.is_empty() {
        return Ok(Created::Taken(already));
    }
    let at = now();
    let inserted = diesel::insert_into(users::table)
        .values(NewUserRow {
            username: username.as_str(),
            username_key: &username_key,
            email: email.as_str(),
            email_key: &email_key,
            password_hash,
            created_at: at,
            updated_at: at,
        })
        .execute(conn)
        .map_err(DbError::from);
    match inserted {
        Ok(_) => {}
        Err(DbError::UniqueViolation) => {
            // Lost a race with a concurrent registration: say which value it took.
            let now_taken = taken(conn, &username_key, &email_key)?;
            return Ok(Created::Taken(if now_taken.is_empty() {
                vec![Taken::Username]
            } else {
                now_taken
            }));
        }
        Err(other) => return Err(other),
    }
    let user = users::table
        .filter(users::username_key.eq(&username_key))
        .select(User::as_select())
        .first(conn)?;
    Ok(Created::User(user))
}

/// The user whose username or email matches `login_key` (already normalised).
pub fn find_by_login(conn: &mut DbConnection, login_key: &str) -> Result<Option<User>, DbError> {
    Ok(users::table
        .filter(
            users::username_key
                .eq(login_key)
                .or(users::email_key.eq(login_key)),
        )
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<Option<User>, DbError> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    id: i64,
    password_hash: &str,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Changes the email; `Ok(false)` when another account has it.
pub fn set_email(
    conn: &mut DbConnection,
    id: i64,
    email: &crate::domain::Email,
) -> Result<bool, DbError> {
    let key = email.key();
    let other: i64 = users::table
        .filter(users::email_key.eq(&key).and(users::id.ne(id)))
        .count()
        .get_result(conn)?;
    if other > 0 {
        return Ok(false);
    }
    match diesel::update(users::table.find(id))
        .set((
            users::email.eq(email.as_str()),
            users::email_key.eq(&key),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
        .map_err(DbError::from)
    {
        Ok(_) => Ok(true),
        Err(DbError::UniqueViolation) => Ok(false),
        Err(other) => Err(other),
    }
}

pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), DbError> {
    diesel::delete(users::table.find(id)).execute(conn)?;
    Ok(())
}
