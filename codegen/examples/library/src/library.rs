//! The library's objects: the manager (`org.example.Library1.Manager`), shelves, books and
//! loans, each the implementation of a generated trait, placed in a generated `Tree`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use zbus::{OwnedObjectPath, fdo};

use crate::api::book_server::{Book, BookCall, BookServer};
use crate::api::loan_server::{Loan, LoanServer};
use crate::api::manager_server::{Manager, ManagerCall, ManagerServer};
use crate::api::object_manager::{Object, Tree};
use crate::api::shelf_server::{Shelf, ShelfServer};

/// The longest shelf name, in bytes.
const MAX_SHELF_NAME: usize = 255;

/// The library: its tree, and which books stand on which shelf.
#[derive(Clone)]
pub(crate) struct Library {
    tree: Tree,
    /// The shelves, each with the number of books on it.
    shelves: Arc<Mutex<HashMap<OwnedObjectPath, usize>>>,
    /// The books, each with the shelf it stands on.
    books: Arc<Mutex<HashMap<OwnedObjectPath, OwnedObjectPath>>>,
    next_book: Arc<AtomicU64>,
}

impl Library {
    /// Serves the tree and the manager interface at the generated `OBJECT_PATH`: the
    /// manager's path is no object of the tree, so its interface is served beside it.
    pub(crate) async fn serve(connection: &zbus::Connection) -> zbus::Result<Self> {
        let library = Self {
            tree: Tree::serve(connection, crate::api::OBJECT_PATH).await?,
            shelves: Arc::default(),
            books: Arc::default(),
            next_book: Arc::new(AtomicU64::new(1)),
        };
        let manager = ManagerServer::new(library.clone());
        dbus_xml_runtime::serve_at(connection, crate::api::OBJECT_PATH, manager).await?;
        Ok(library)
    }

    /// The first shelf and book.
    pub(crate) async fn stock(&self) -> fdo::Result<()> {
        let shelf = self.add_shelf_named("Fiction").await?;
        self.add_book_titled("Moby-Dick", shelf).await?;
        Ok(())
    }

    async fn add_shelf_named(&self, name: &str) -> fdo::Result<OwnedObjectPath> {
        // The name becomes an element of the shelf's path, which rides in every
        // InterfacesAdded and GetManagedObjects: bound it, as file systems bound names.
        if name.len() > MAX_SHELF_NAME {
            return Err(fdo::Error::InvalidArgs(format!(
                "a shelf's name is at most {MAX_SHELF_NAME} bytes; this one has {}",
                name.len()
            )));
        }
        let path = self.tree.object_path(["shelves", name]);
        if self.lock_shelves().contains_key(&path) {
            return Err(fdo::Error::InvalidArgs(format!(
                "a shelf called {name:?} exists"
            )));
        }
        let shelf = ShelfObject {
            name: name.to_owned(),
        };
        self.tree
            .add(&path, Object::new().with(ShelfServer::new(shelf)))
            .await?;
        self.lock_shelves().insert(path.clone(), 0);
        Ok(path)
    }

    async fn add_book_titled(
        &self,
        title: &str,
        shelf: OwnedObjectPath,
    ) -> fdo::Result<OwnedObjectPath> {
        match self.lock_shelves().get_mut(&shelf) {
            Some(books) => *books += 1,
            None => return Err(fdo::Error::InvalidArgs(format!("no shelf at {shelf}"))),
        }
        let id = self.next_book.fetch_add(1, Ordering::SeqCst);
        let path = self.tree.object_path(["books", &id.to_string()]);
        let book = BookObject {
            title: title.to_owned(),
            shelf: shelf.clone(),
            path: path.clone(),
            tree: self.tree.clone(),
            borrower: Mutex::default(),
        };
        self.tree
            .add(&path, Object::new().with(BookServer::new(book)))
            .await?;
        self.lock_books().insert(path.clone(), shelf);
        Ok(path)
    }

    fn lock_shelves(&self) -> std::sync::MutexGuard<'_, HashMap<OwnedObjectPath, usize>> {
        self.shelves.lock().expect("no panic holds the lock")
    }

    fn lock_books(&self) -> std::sync::MutexGuard<'_, HashMap<OwnedObjectPath, OwnedObjectPath>> {
        self.books.lock().expect("no panic holds the lock")
    }
}

impl Manager for Library {
    type Error = fdo::Error;

    async fn add_shelf(
        &self,
        name: String,
        _call: &ManagerCall<'_>,
    ) -> fdo::Result<OwnedObjectPath> {
        self.add_shelf_named(&name).await
    }

    async fn add_book(
        &self,
        title: String,
        shelf: OwnedObjectPath,
        _call: &ManagerCall<'_>,
    ) -> fdo::Result<OwnedObjectPath> {
        self.add_book_titled(&title, shelf).await
    }

    async fn remove(&self, object: OwnedObjectPath, _call: &ManagerCall<'_>) -> fdo::Result<()> {
        let shelf_of_book = self.lock_books().remove(&object);
        if let Some(shelf) = shelf_of_book {
            if let Some(books) = self.lock_shelves().get_mut(&shelf) {
                *books -= 1;
            }
            return Ok(self.tree.remove(&object).await?);
        }
        match self.lock_shelves().get(&object) {
            None => {
                return Err(fdo::Error::InvalidArgs(format!(
                    "no shelf or book at {object}"
                )));
            }
            Some(&books) if books > 0 => {
                return Err(fdo::Error::InvalidArgs(format!(
                    "the shelf {object} holds {books} book(s): remove them first"
                )));
            }
            Some(_) => {}
        }
        self.lock_shelves().remove(&object);
        Ok(self.tree.remove(&object).await?)
    }
}

/// A shelf.
struct ShelfObject {
    name: String,
}

impl Shelf for ShelfObject {
    type Error = fdo::Error;

    async fn name(&self) -> fdo::Result<String> {
        Ok(self.name.clone())
    }
}

/// A book, which adds and removes its own loan.
struct BookObject {
    title: String,
    shelf: OwnedObjectPath,
    path: OwnedObjectPath,
    tree: Tree,
    borrower: Mutex<Option<String>>,
}

impl Book for BookObject {
    type Error = fdo::Error;

    async fn lend(&self, borrower: String, _call: &BookCall<'_>) -> fdo::Result<()> {
        {
            let mut lent_to = self.borrower.lock().expect("no panic holds the lock");
            if let Some(lent_to) = &*lent_to {
                return Err(fdo::Error::InvalidArgs(format!(
                    "{:?} is lent to {lent_to:?}",
                    self.title
                )));
            }
            *lent_to = Some(borrower.clone());
        }
        let loan = LoanServer::new(LoanObject { borrower });
        Ok(self.tree.add_interface(&self.path, loan).await?)
    }

    async fn r#return(&self, _call: &BookCall<'_>) -> fdo::Result<()> {
        if self
            .borrower
            .lock()
            .expect("no panic holds the lock")
            .take()
            .is_none()
        {
            return Err(fdo::Error::InvalidArgs(format!(
                "{:?} is not lent",
                self.title
            )));
        }
        Ok(self
            .tree
            .remove_interface::<LoanServer<LoanObject>>(&self.path)
            .await?)
    }

    async fn title(&self) -> fdo::Result<String> {
        Ok(self.title.clone())
    }

    async fn shelf(&self) -> fdo::Result<OwnedObjectPath> {
        Ok(self.shelf.clone())
    }
}

/// A loan of a book.
struct LoanObject {
    borrower: String,
}

impl Loan for LoanObject {
    type Error = fdo::Error;

    async fn borrower(&self) -> fdo::Result<String> {
        Ok(self.borrower.clone())
    }
}
