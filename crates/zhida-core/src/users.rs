//! Users and roles (经办 clerk, 复核 supervisor, 审计 auditor), enforced here in the domain
//! so that every front end obeys them. Until the first user is added the install is in
//! single-user mode and everyone acts as supervisor; after that, unknown names are clerks.

use rusqlite::{params, Connection, OptionalExtension};

use crate::audit;
use crate::dates::now_stamp;
use crate::error::{Error, Result};
use crate::model::Role;

/// Who is acting: every write takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: String,
    pub role: Role,
}

impl Actor {
    /// Look the user's role up in the database.
    pub fn load(conn: &Connection, user: &str) -> Result<Actor> {
        Ok(Actor {
            user: user.to_string(),
            role: role_of(conn, user)?,
        })
    }

    pub fn can_write(&self) -> bool {
        self.role != Role::Auditor
    }

    /// Err(Forbidden) unless the actor may write.
    pub fn require_write(&self) -> Result<()> {
        if self.can_write() {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "{} 为审计角色，只读 (auditor is read-only)",
                self.user
            )))
        }
    }

    /// Err(Forbidden) unless the actor is a supervisor.
    pub fn require_supervisor(&self, what: &str) -> Result<()> {
        if self.role == Role::Supervisor {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "{what} 需要复核（科长）角色 (needs the supervisor role)"
            )))
        }
    }
}

pub fn role_of(conn: &Connection, user: &str) -> Result<Role> {
    let any: i64 = conn.query_row("SELECT count(*) FROM app_user", [], |r| r.get(0))?;
    if any == 0 {
        return Ok(Role::Supervisor);
    }
    let role: Option<Role> = conn
        .query_row("SELECT role FROM app_user WHERE name = ?1", [user], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(role.unwrap_or(Role::Clerk))
}

/// Add or change a user. The first user may be added by anyone; after that, a supervisor.
pub fn set_user(conn: &mut Connection, actor: &Actor, name: &str, role: Role) -> Result<()> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("用户名不能为空 (empty user name)"));
    }
    actor.require_supervisor("管理用户 (managing users)")?;
    let tx = conn.transaction()?;
    let before: Option<String> = tx
        .query_row("SELECT role FROM app_user WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    tx.execute(
        "INSERT INTO app_user (name, role, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET role = excluded.role",
        params![name, role, now_stamp()],
    )?;
    audit::record(
        &tx,
        &actor.user,
        if before.is_some() { "update" } else { "insert" },
        "app_user",
        name,
        before.as_ref(),
        Some(&role.as_str()),
    )?;
    tx.commit()?;
    Ok(())
}

pub fn list(conn: &Connection) -> Result<Vec<(String, Role)>> {
    let mut stmt = conn.prepare("SELECT name, role FROM app_user ORDER BY name")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;

    #[test]
    fn roles_bootstrap_then_enforce() {
        let mut conn = open_in_memory().unwrap();
        let boss = Actor::load(&conn, "王科长").unwrap();
        assert_eq!(boss.role, Role::Supervisor);
        set_user(&mut conn, &boss, "王科长", Role::Supervisor).unwrap();
        set_user(&mut conn, &boss, "审计李", Role::Auditor).unwrap();
        let clerk = Actor::load(&conn, "小张").unwrap();
        assert_eq!(clerk.role, Role::Clerk);
        assert!(set_user(&mut conn, &clerk, "小张", Role::Supervisor).is_err());
        let auditor = Actor::load(&conn, "审计李").unwrap();
        assert!(auditor.require_write().is_err());
        assert_eq!(list(&conn).unwrap().len(), 2);
        assert_eq!(crate::audit::verify(&conn).unwrap(), 2);
    }
}
